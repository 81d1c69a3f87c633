// Real mini-swe-agent runs replayed through the SDK into the real collector command: the report
// checked against figures computed by hand from the trajectory files, and the findings against
// what reading the trajectories shows.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "@leantrace/sdk/init";
import { openStore } from "@leantrace/storage";
import { type CollectorProcess, runCli, spawnCollector } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMiniSweAgent, MINI_SWE_AGENT } from "./corpora/mini-swe-agent.ts";
import { replay } from "./replay.ts";

const DATA = fileURLToPath(new URL("./data/mini-swe-agent/", import.meta.url));
const FORMAT_ERROR = "Please always provide EXACTLY ONE action";

let dir: string;
let collector: CollectorProcess;

const leantrace = (...args: string[]) => runCli(args);

/** The expected figures, straight from the files: no leantrace code involved. */
async function billedCost(): Promise<number> {
  let cost = 0;
  for (const file of (await readdir(DATA)).filter((f) => f.endsWith(".traj.json"))) {
    for (const m of JSON.parse(await readFile(join(DATA, file), "utf8")).messages) {
      if (m.role !== "assistant") continue;
      const usage = m.extra.response.usage;
      // What the provider billed; one run's calls carry no bill: price those at the published
      // gemini-3-pro rates ($2 input, $0.20 cached input, $12 output per million tokens).
      const cached = usage.prompt_tokens_details?.cached_tokens ?? 0;
      cost +=
        usage.cost ??
        ((usage.prompt_tokens - cached) * 2 + cached * 0.2 + usage.completion_tokens * 12) / 1e6;
    }
  }
  return cost;
}

/** Tokens of the turns the harness refused, straight from the files. */
async function handRefusedTokens(): Promise<number> {
  let tokens = 0;
  for (const file of (await readdir(DATA)).filter((f) => f.endsWith(".traj.json"))) {
    const { messages } = JSON.parse(await readFile(join(DATA, file), "utf8"));
    messages.forEach(
      (
        m: { role: string; content: string; extra: { response: { usage: Record<string, number> } } },
        i: number,
      ) => {
        if (m.role === "assistant" && messages[i + 1]?.content.startsWith(FORMAT_ERROR)) {
          tokens +=
            (m.extra.response.usage.prompt_tokens ?? 0) + (m.extra.response.usage.completion_tokens ?? 0);
        }
      },
    );
  }
  return tokens;
}

async function handComputed() {
  const outcomes = JSON.parse(await readFile(join(DATA, "outcomes.json"), "utf8")).runs as {
    instance_id: string;
    resolved: boolean;
  }[];
  let totalTokens = 0;
  for (const file of (await readdir(DATA)).filter((f) => f.endsWith(".traj.json"))) {
    const { messages } = JSON.parse(await readFile(join(DATA, file), "utf8"));
    for (const m of messages) {
      if (m.role !== "assistant") continue;
      totalTokens += m.extra.response.usage.prompt_tokens + m.extra.response.usage.completion_tokens;
    }
  }
  const successes = outcomes.filter((o) => o.resolved).length;
  return {
    workflow: MINI_SWE_AGENT,
    runs: outcomes.length,
    successes,
    failures: outcomes.length - successes,
    totalTokens,
    tokensPerSuccess: totalTokens / successes,
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-replay-test-"));
  collector = await spawnCollector(["--data", join(dir, "data")]);
  const sdk = init({ endpoint: collector.url, serviceName: "replay-test", exportDelayMillis: 100 });
  for (const run of await loadMiniSweAgent(DATA)) await replay(run);
  await sdk.shutdown();
});

afterAll(async () => {
  await collector?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("replayed mini-swe-agent runs", () => {
  it("report the hand-computed tokens per successful outcome", async () => {
    const expected = await handComputed();
    expect(expected.totalTokens).toBe(3_508_905);
    const { code, stdout } = await leantrace("report", "--json", "--endpoint", collector.url);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.workflows).toHaveLength(1);
    expect(report.workflows[0]).toMatchObject(expected);
  });

  it("costs the runs what the provider billed for them", async () => {
    const { stdout } = await leantrace("report", "--json", "--endpoint", collector.url);
    const [workflow] = JSON.parse(stdout).workflows;
    expect(workflow.totalCost).toBeCloseTo(await billedCost(), 6);
  });

  it("finds the refused turns, loops and re-reads a person sees in the trajectories, and no repeat after an edit", async () => {
    const analyzed = await leantrace("analyze", "--json", "--endpoint", collector.url);
    expect(analyzed.code).toBe(0);
    expect(JSON.parse(analyzed.stdout).runs).toBe(7);
    const findings = async (run: string) => {
      const { stdout } = await leantrace("findings", "--json", "--run", run, "--endpoint", collector.url);
      return JSON.parse(stdout).findings as {
        kind: string;
        pattern: string;
        confidence: string;
        wastedSpanIds: string[];
        wastedTokens: number;
        carriedTokens: number;
        explanation: string;
      }[];
    };
    // Messages 40-48: the same no-op `sed` ran four times in a row (a fifth attempt, message
    // 46, was refused by the harness and ran nothing: it is not counted as a run).
    const sympy = await findings("sympy__sympy-15976");
    const sympyLoops = sympy.filter((f) => f.pattern === "repeat");
    expect(sympyLoops).toHaveLength(1);
    expect(sympyLoops[0]?.confidence).toBe("certain");
    expect(sympyLoops[0]?.explanation).toMatch(/^`bash` ran 4 times in a row with the same arguments/);
    // Messages 50 and 62 run `python test_complex.py` with the same output, but files were
    // edited (and the edit reverted) in between: a fair re-test, not a re-read.
    expect(sympy.filter((f) => f.pattern === "repeated_read")).toEqual([]);
    // Messages 14 and 30: the same grep over an unchanged tree, only reads in between.
    const xarray = (await findings("pydata__xarray-3151")).filter((f) => f.pattern === "repeated_read");
    expect(xarray).toHaveLength(1);
    expect(xarray[0]?.explanation).toMatch(/^`bash` was called again with the same arguments 8 steps after/);
    // Refused turns: every turn the harness answered with its format error, and nothing else.
    const refused: { run: string; tokens: number; carried: number }[] = [];
    for (const run of (await loadMiniSweAgent(DATA)).map((r) => r.runId)) {
      const all = await findings(run);
      for (const f of all.filter((x) => x.pattern === "refused")) {
        refused.push({ run, tokens: f.wastedTokens, carried: f.carriedTokens });
      }
      // No run repeats a command with nothing in between, but for sympy's sed and xarray's grep.
      const repeats = all.filter((f) => f.pattern === "repeat" || f.pattern === "repeated_read");
      if (run !== "sympy__sympy-15976" && run !== "pydata__xarray-3151") expect(repeats, run).toEqual([]);
    }
    expect(refused.reduce((n, r) => n + r.tokens, 0)).toBe(await handRefusedTokens());
    // Message 70 of sympy: 57,811 output tokens of monologue with no command, carried in the
    // prompts of the 11 calls after it.
    expect(Math.max(...refused.map((r) => r.carried))).toBeGreaterThan(11 * 57_000);
  });

  it("pages through the findings with a cursor, and sums them up per pattern", async () => {
    const all = JSON.parse(
      (await leantrace("findings", "--json", "--limit", "1000", "--endpoint", collector.url)).stdout,
    );
    expect(all.nextCursor).toBeNull();
    const paged: { id: string; wastedTokens: number }[] = [];
    let cursor: string | null = null;
    do {
      const args = ["findings", "--json", "--limit", "3", "--endpoint", collector.url];
      if (cursor !== null) args.push("--cursor", cursor);
      const page = JSON.parse((await leantrace(...args)).stdout);
      expect(page.findings.length).toBeLessThanOrEqual(3);
      paged.push(...page.findings);
      cursor = page.nextCursor;
    } while (cursor !== null);
    // Every finding once, in the same order: largest waste first.
    expect(paged.map((f) => f.id)).toEqual(all.findings.map((f: { id: string }) => f.id));
    const wasted = paged.map((f) => f.wastedTokens);
    expect(wasted).toEqual([...wasted].sort((a, b) => b - a));
    // Each finding says which spans it wasted, and how many tokens of each.
    for (const f of all.findings) {
      expect(f.wastedSpanIds.length).toBe(f.wastedSpanTokens.length);
      expect(f.wastedSpanTokens.reduce((n: number, t: number) => n + t, 0)).toBe(f.wastedTokens);
    }
    const summary = await leantrace("findings", "--summary", "--endpoint", collector.url);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(/loop\/refused\s+certain\s+\d+/);
    const bad = await leantrace("findings", "--cursor", "not-a-cursor", "--endpoint", collector.url);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("cursor: is not a cursor this API returned");
  });

  it("prints a table, and filters by workflow", async () => {
    const table = await leantrace("report", "--endpoint", collector.url);
    expect(table.stdout).toContain("mini-swe-agent");
    expect(table.stdout).toContain("3,508,905");
    const none = await leantrace("report", "--json", "--workflow", "other", "--endpoint", collector.url);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no runs of workflow "other" were found');
  });

  it("says in a sentence when the collector cannot be reached or a flag is wrong", async () => {
    const unreachable = await leantrace("report", "--endpoint", "http://127.0.0.1:9");
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach the collector at http://127.0.0.1:9");
    const badPort = await leantrace("collector", "--port", "eighty");
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port "eighty" is not valid');
  });

  it("stops on SIGTERM with exit code 0, every step stored: one LLM step per message, one tool step per command that ran", async () => {
    expect(await collector.stop("SIGTERM")).toBe(0);
    const runs = await loadMiniSweAgent(DATA);
    const files = (await readdir(DATA)).filter((f) => f.endsWith(".traj.json"));
    let assistant = 0;
    let commands = 0;
    for (const file of files) {
      const { messages } = JSON.parse(await readFile(join(DATA, file), "utf8"));
      messages.forEach((m: { role: string; content: string }, i: number) => {
        if (m.role !== "assistant") return;
        assistant++;
        const ran = !messages[i + 1]?.content.startsWith(FORMAT_ERROR);
        if (ran && (m.content.match(/```bash\n/g) ?? []).length === 1) commands++;
      });
    }
    const store = await openStore({ dataDir: join(dir, "data") });
    try {
      const kinds = await store.select<{ kind: string; n: number }>(
        "SELECT kind, count() AS n FROM {db:Identifier}.spans FINAL GROUP BY kind ORDER BY kind",
      );
      expect(kinds).toEqual([
        { kind: "llm", n: assistant },
        { kind: "tool", n: commands },
        { kind: "workflow", n: runs.length },
      ]);
    } finally {
      await store.close();
    }
  });
});
