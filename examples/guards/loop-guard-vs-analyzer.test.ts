// The loop guard stops a run at the step where the analyzers flag it. Each scripted agent runs
// twice: under `loopGuard` (which stops it, or not), and without it, exported to a real collector
// (the `leantrace collector` command) and analyzed there. The step the guard stopped at must be
// the step at which the analyzer's finding first holds: the `loopMinRepeats`-th call of a repeat,
// the last call of the third round of a cycle, the third equal LLM answer; and where the
// analyzer finds no certain loop, the guard must let the run finish.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LoopDetectedError, llm, retrieval, tool, workflow } from "@leantrace/sdk";
import { init } from "@leantrace/sdk/init";
import { type CollectorProcess, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Script =
  | { llm: string }
  | {
      tool: string;
      args: Record<string, unknown>;
      result?: unknown;
      fails?: string;
      effect?: "read" | "write" | "none";
    }
  | { retrieval: string };

const say = (text: string): Script => ({ llm: text });
const call = (name: string, args: Record<string, unknown>, result: unknown): Script => ({
  tool: name,
  args,
  result,
});

/** Each scenario: the agent's steps in order, and what the guard should see (null: nothing). */
const SCENARIOS: Record<
  string,
  { steps: Script[]; stops: "repeat" | "error_retry" | "alternation" | "monologue" | null }
> = {
  "a read repeated": {
    steps: [
      say("read a"),
      call("read_file", { path: "a.txt" }, "alpha"),
      say("read a again"),
      call("read_file", { path: "a.txt" }, "alpha"),
      say("and again"),
      call("read_file", { path: "a.txt" }, "alpha"),
      say("done"),
    ],
    stops: "repeat",
  },
  "a think tool between does not break the row": {
    steps: [
      say("look up"),
      call("get_order", { id: 7 }, { status: "shipped" }),
      { tool: "think", args: { thought: "hmm" }, result: "ok" },
      say("look up again"),
      call("get_order", { id: 7 }, { status: "shipped" }),
      say("done"),
    ],
    stops: "repeat",
  },
  "a write between resets it": {
    steps: [
      call("get_order", { id: 7 }, { status: "open" }),
      call("update_order", { id: 7, status: "open" }, "ok"),
      call("get_order", { id: 7 }, { status: "open" }),
      say("check once more"),
      call("get_order", { id: 7 }, { status: "open" }),
      say("done"),
    ],
    stops: "repeat",
  },
  "a new result is progress": {
    steps: [
      call("check_status", { job: 1 }, "pending"),
      call("check_status", { job: 1 }, "running"),
      call("check_status", { job: 1 }, "done"),
      call("check_status", { job: 1 }, "done"),
      say("done"),
    ],
    stops: "repeat",
  },
  "the same error again": {
    steps: [
      say("fetch"),
      { tool: "fetch_url", args: { url: "https://example.com" }, fails: "timeout after 10 s" },
      say("retry"),
      { tool: "fetch_url", args: { url: "https://example.com" }, fails: "timeout after 10 s" },
      say("give up"),
    ],
    stops: "error_retry",
  },
  "a retrieval between breaks the row": {
    steps: [
      call("get_weather", { city: "Oslo" }, "rain"),
      { retrieval: "umbrella policy" },
      call("get_weather", { city: "Oslo" }, "rain"),
      call("get_weather", { city: "Oslo" }, "rain"),
      say("done"),
    ],
    stops: "repeat",
  },
  "an unknown tool repeated": {
    steps: [
      call("frobnicate", { level: 3 }, "ok"),
      say("again"),
      call("frobnicate", { level: 3 }, "ok"),
      say("done"),
    ],
    stops: "repeat",
  },
  "shell reads, a test run between": {
    steps: [
      call("bash", { command: "cat src/app.py" }, "print(1)"),
      call("bash", { command: "python -m pytest" }, "1 failed"),
      call("bash", { command: "cat src/app.py" }, "print(1)"),
      call("bash", { command: "cat src/app.py" }, "print(1)"),
      say("done"),
    ],
    stops: "repeat",
  },
  "an A-B cycle": {
    steps: [
      call("list_files", { dir: "." }, ["a.txt"]),
      call("read_file", { path: "a.txt" }, "alpha"),
      call("list_files", { dir: "." }, ["a.txt"]),
      call("read_file", { path: "a.txt" }, "alpha"),
      call("list_files", { dir: "." }, ["a.txt"]),
      call("read_file", { path: "a.txt" }, "alpha"),
      call("list_files", { dir: "." }, ["a.txt"]),
      say("done"),
    ],
    stops: "alternation",
  },
  "the same answer three times": {
    steps: [
      say("Let me check the order."),
      call("get_order", { id: 1 }, "open"),
      say("Let me check the order."),
      call("get_order", { id: 2 }, "open"),
      say("Let me check the order."),
      call("get_order", { id: 3 }, "open"),
      say("done"),
    ],
    stops: "monologue",
  },
  "results not recorded: only a suggestion": {
    steps: [call("ping", { host: "a" }, undefined), call("ping", { host: "a" }, undefined), say("done")],
    stops: null,
  },
  "different arguments": {
    steps: [call("read_file", { path: "a" }, "x"), call("read_file", { path: "b" }, "x"), say("done")],
    stops: null,
  },
};

/** Runs a script as an agent; returns the span id of each step, in order. */
async function runScript(steps: readonly Script[], spanIds: string[]): Promise<void> {
  for (const [i, step] of steps.entries()) {
    if ("llm" in step) {
      await llm({ model: "scripted", input: [{ role: "user", content: `turn ${i}` }] }, (s) => {
        spanIds.push(s.span.spanContext().spanId);
        return {
          choices: [{ message: { content: step.llm } }],
          usage: { prompt_tokens: 100 + i, completion_tokens: 20 },
        };
      });
    } else if ("retrieval" in step) {
      await retrieval({ query: step.retrieval, dataSource: "kb" }, (s) => {
        spanIds.push(s.span.spanContext().spanId);
        return [{ id: "doc-1" }];
      });
    } else {
      await tool(
        step.tool,
        step.args,
        (s) => {
          spanIds.push(s.span.spanContext().spanId);
          if (step.fails !== undefined) throw new Error(step.fails);
          return step.result;
        },
        step.effect === undefined ? {} : { effect: step.effect },
      ).catch((error: unknown) => {
        // The agent carries on after a failed tool, as agents do; the guard's stop is rethrown.
        if (error instanceof LoopDetectedError) throw error;
      });
    }
  }
}

interface Finding {
  runId: string;
  kind: string;
  pattern: string;
  confidence: string;
  spanIds: string[];
  wastedSpanIds: string[];
}

let dir: string;
let collector: CollectorProcess;
let sdk: ReturnType<typeof init>;
const guarded = new Map<string, { stoppedAt: number | null; pattern: string | null }>();
const unguarded = new Map<string, string[]>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-loop-guard-"));
  collector = await spawnCollector(storeFlags(dir));
  sdk = init({ endpoint: collector.url, serviceName: "loop-guard-test", exportDelayMillis: 50 });
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const ids: string[] = [];
    let stop: LoopDetectedError | undefined;
    await workflow(`${name} (guarded)`, () => runScript(scenario.steps, ids), { loopGuard: true }).catch(
      (error: unknown) => {
        if (!(error instanceof LoopDetectedError)) throw error;
        stop = error;
      },
    );
    guarded.set(name, {
      stoppedAt: stop === undefined ? null : ids.indexOf(stop.spanId),
      pattern: stop?.pattern ?? null,
    });
    const all: string[] = [];
    await workflow(
      name,
      async (run) => {
        await runScript(scenario.steps, all);
        run.success();
      },
      { runId: `loop-${Object.keys(SCENARIOS).indexOf(name)}` },
    );
    unguarded.set(name, all);
  }
  await sdk.forceFlush();
  const analyzed = await fetch(new URL("/api/v1/analyze", collector.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  expect(analyzed.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await sdk?.shutdown();
  await collector?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function loopFindings(runId: string): Promise<Finding[]> {
  const response = await fetch(
    new URL(`/api/v1/findings?run=${encodeURIComponent(runId)}&kind=loop`, collector.url),
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { findings: Finding[] }).findings;
}

/** The step at which a finding first holds: the threshold-th of its calls (LLM choosers left out). */
function flaggedAt(finding: Finding, steps: readonly Script[], ids: readonly string[]): number {
  const positions = finding.spanIds.map((id) => ids.indexOf(id)).sort((a, b) => a - b);
  const calls =
    finding.pattern === "monologue" ? positions : positions.filter((p) => !("llm" in (steps[p] ?? {})));
  if (finding.pattern === "monologue") return calls[2] ?? -1;
  if (finding.pattern === "alternation") {
    const first = JSON.stringify(steps[calls[0] ?? -1]);
    const period = calls.findIndex((p, i) => i > 0 && JSON.stringify(steps[p]) === first);
    return calls[period * 3 - 1] ?? -1;
  }
  return calls[1] ?? -1;
}

describe("loopGuard against the analyzer", () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(`${name}: ${scenario.stops === null ? "neither flags it" : `stopped where the analyzer flags a ${scenario.stops}`}`, async () => {
      const runId = `loop-${Object.keys(SCENARIOS).indexOf(name)}`;
      const ids = unguarded.get(name) ?? [];
      const certain = (await loopFindings(runId)).filter((f) => f.confidence === "certain");
      const guard = guarded.get(name);
      if (scenario.stops === null) {
        expect(certain).toEqual([]);
        expect(guard).toEqual({ stoppedAt: null, pattern: null });
        return;
      }
      const first = certain
        .map((f) => ({ pattern: f.pattern, at: flaggedAt(f, scenario.steps, ids) }))
        .sort((a, b) => a.at - b.at)[0];
      expect(first?.pattern).toBe(scenario.stops);
      expect(guard).toEqual({ stoppedAt: first?.at, pattern: scenario.stops });
      if (scenario.stops === "repeat" || scenario.stops === "error_retry") {
        // The first repeat is the finding's first wasted span: the guard stopped at it.
        const finding = certain.find((f) => f.pattern === scenario.stops);
        expect(ids.indexOf(finding?.wastedSpanIds[0] ?? "")).toBe(guard?.stoppedAt);
      }
    });
  }

  it("the suggestion the analyzer makes where results were not recorded is not a stop", async () => {
    const runId = `loop-${Object.keys(SCENARIOS).indexOf("results not recorded: only a suggestion")}`;
    const findings = await loopFindings(runId);
    expect(findings.map((f) => [f.pattern, f.confidence])).toEqual([["repeat", "suggestion"]]);
  });
});
