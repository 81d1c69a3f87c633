// Any language's OpenTelemetry GenAI spans work: a Python agent (standard library only, the
// spans an instrumentation writes in the latest conventions) sends its run to the real
// collector, which reads its steps, tokens and tool result, and finds no waste in it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CollectorProcess, runCli, runCommand, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const AGENT = fileURLToPath(new URL("./agent.py", import.meta.url));
let dir: string;
let collector: CollectorProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-python-"));
  collector = await spawnCollector([...storeFlags(dir), "--analyze-interval-seconds", "0"]);
});

afterAll(async () => {
  await collector?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("a Python agent", () => {
  it("is read like any other: its steps, tokens and tool result, and no waste in a clean run", async () => {
    const sent = await runCommand("python3", [AGENT, collector.url]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/sent 4 spans of trace [0-9a-f]{32}: 200/);
    expect((await runCli(["analyze", "--endpoint", collector.url])).code).toBe(0);
    const report = JSON.parse((await runCli(["report", "--json", "--endpoint", collector.url])).stdout);
    expect(report.workflows).toMatchObject([
      { workflow: "python-support", runs: 1, successes: 1, totalTokens: 310, analyzedRuns: 1 },
    ]);
    const findings = JSON.parse((await runCli(["findings", "--json", "--endpoint", collector.url])).stdout);
    // The tool's result reached the next LLM call (as a tool_call_response part): nothing unused.
    expect(findings.findings).toEqual([]);
  });
});
