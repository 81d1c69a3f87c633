// Real mini-swe-agent runs replayed through the SDK into the real collector command, and the
// report checked against figures computed by hand from the trajectory files.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CollectorProcess, runCli, spawnCollector } from "@leantrace/cli";
import { init } from "@leantrace/sdk/init";
import { openStore } from "@leantrace/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTrajectories, REPLAY_WORKFLOW, replay } from "./replay.ts";

const DATA = fileURLToPath(new URL("./data/", import.meta.url));

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
    workflow: REPLAY_WORKFLOW,
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
  for (const trajectory of await loadTrajectories()) await replay(trajectory);
  await sdk.shutdown();
});

afterAll(async () => {
  await collector?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("replayed mini-swe-agent runs", () => {
  it("report the hand-computed tokens per successful outcome", async () => {
    const expected = await handComputed();
    expect(expected.totalTokens).toBe(3_161_530);
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

  it("finds the loops and re-reads a person sees in the trajectories, and nothing in the clean runs", async () => {
    const analysed = await leantrace("analyze", "--json", "--endpoint", collector.url);
    expect(analysed.code).toBe(0);
    expect(JSON.parse(analysed.stdout).runs).toBe(6);
    const findings = async (run: string) => {
      const { stdout } = await leantrace("findings", "--json", "--run", run, "--endpoint", collector.url);
      return JSON.parse(stdout).findings as {
        kind: string;
        pattern: string;
        wastedTokens: number;
        explanation: string;
      }[];
    };
    // Steps 19-23: the same no-op `sed` five times in a row.
    const sympy = await findings("sympy__sympy-15976");
    const sympyLoops = sympy.filter((f) => f.kind === "loop");
    expect(sympyLoops).toHaveLength(1);
    expect(sympyLoops[0]?.pattern).toBe("repeat");
    expect(sympyLoops[0]?.explanation).toMatch(
      /^`bash` called 5 times in a row with the same arguments; the 4 repeats/,
    );
    // `python test_complex.py` re-run with the same traceback, the same lines printed again.
    const rereads = sympy.filter((f) => f.pattern === "repeated_read");
    expect(rereads.length).toBeGreaterThanOrEqual(4);
    for (const f of rereads) expect(f.wastedTokens).toBeGreaterThan(0);
    // Steps 36-38: a malformed message twice, so the same command was sent three times.
    const django = (await findings("django__django-11299")).filter((f) => f.kind === "loop");
    expect(django.map((f) => f.explanation.slice(0, 40))).toEqual([
      "`bash` called 3 times in a row with the ",
    ]);
    // Step 16 prints `client.py` again, unchanged since step 2.
    expect((await findings("django__django-14315")).map((f) => f.pattern)).toContain("repeated_read");
    // No run repeats a command twice in a row here: no loop may be reported.
    for (const run of [
      "django__django-16429",
      "django__django-14765",
      "django__django-14315",
      "psf__requests-2317",
    ]) {
      expect((await findings(run)).filter((f) => f.kind === "loop")).toEqual([]);
    }
  });

  it("prints a table, and filters by workflow", async () => {
    const table = await leantrace("report", "--endpoint", collector.url);
    expect(table.stdout).toContain("mini-swe-agent");
    expect(table.stdout).toContain("3,161,530");
    const none = await leantrace("report", "--json", "--workflow", "other", "--endpoint", collector.url);
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual({ workflows: [] });
  });

  it("says in a sentence when the collector cannot be reached or a flag is wrong", async () => {
    const unreachable = await leantrace("report", "--endpoint", "http://127.0.0.1:9");
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach the collector at http://127.0.0.1:9");
    const badPort = await leantrace("collector", "--port", "eighty");
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port "eighty" is not valid');
  });

  it("stops on SIGTERM with exit code 0, every step stored: one LLM step per message, one tool step per command", async () => {
    expect(await collector.stop("SIGTERM")).toBe(0);
    const trajectories = await loadTrajectories();
    const assistant = trajectories.flatMap((t) => t.messages.filter((m) => m.role === "assistant"));
    const commands = assistant.filter((m) => /```bash\n/.test(m.content)).length;
    const store = await openStore({ dataDir: join(dir, "data") });
    try {
      const kinds = await store.select<{ kind: string; n: number }>(
        "SELECT kind, count() AS n FROM {db:Identifier}.spans FINAL GROUP BY kind ORDER BY kind",
      );
      expect(kinds).toEqual([
        { kind: "llm", n: assistant.length },
        { kind: "tool", n: commands },
        { kind: "workflow", n: trajectories.length },
      ]);
    } finally {
      await store.close();
    }
  });
});
