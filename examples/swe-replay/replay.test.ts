// Real mini-swe-agent runs replayed through the SDK into the real collector command, and the
// report checked against figures computed by hand from the trajectory files.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type CollectorProcess, spawnCollector } from "@leantrace/cli";
import { init } from "@leantrace/sdk/init";
import { openStore } from "@leantrace/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTrajectories, REPLAY_WORKFLOW, replay } from "./replay.ts";

const run = promisify(execFile);
const BIN = fileURLToPath(new URL("../../packages/cli/bin/leantrace.js", import.meta.url));
const DATA = fileURLToPath(new URL("./data/", import.meta.url));

let dir: string;
let collector: CollectorProcess;

async function leantrace(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The expected figures, straight from the files: no leantrace code involved. */
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
  collector = await spawnCollector(["--data", dir]);
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
    expect(expected.totalTokens).toBe(679_878);
    const { code, stdout } = await leantrace("report", "--json", "--endpoint", collector.url);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ workflows: [expected] });
  });

  it("prints a table, and filters by workflow", async () => {
    const table = await leantrace("report", "--endpoint", collector.url);
    expect(table.stdout).toContain("mini-swe-agent");
    expect(table.stdout).toContain("679,878");
    const none = await leantrace("report", "--json", "--workflow", "other", "--endpoint", collector.url);
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
    const store = await openStore({ dataDir: dir });
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
