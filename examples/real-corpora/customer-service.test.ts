// Real customer-service runs (tau2-bench airline and telecom, tau-bench retail) replayed through
// the SDK into the real collector: the findings checked against what reading the runs shows, a
// real positive and a real near miss for each rule, and the wasted tokens against the usage the
// files record.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "@leantrace/sdk/init";
import { type CollectorProcess, runCli, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadTauRetail } from "./corpora/tau-retail.ts";
import { loadTau2 } from "./corpora/tau2.ts";
import { replay, type SpanSources } from "./replay.ts";

const TAU2_DATA = fileURLToPath(new URL("./data/tau2/", import.meta.url));
const RETAIL_DATA = fileURLToPath(new URL("./data/tau-retail/", import.meta.url));

interface Finding {
  runId: string;
  kind: string;
  pattern: string;
  confidence: string;
  spanIds: string[];
  wastedSpanIds: string[];
  wastedTokens: number;
  explanation: string;
}

let dir: string;
let collector: CollectorProcess;
const sources: SpanSources = {};
let findings: Finding[] = [];
/** tau2 run ids start with the simulation ids the data's LICENSE.md names. */
let tau2Ids: string[] = [];
const tau2Run = (prefix: string) => {
  const id = tau2Ids.find((r) => r.startsWith(prefix));
  if (id === undefined) throw new Error(`no tau2 simulation ${prefix} in the test data`);
  return id;
};
const of = (runId: string) => findings.filter((f) => f.runId === runId);
/** A finding as the recording's message indices: all steps involved, and the wasted ones. */
const messages = (f: Finding) => ({
  pattern: `${f.kind}/${f.pattern}`,
  confidence: f.confidence,
  steps: f.spanIds.map((id) => sources[f.runId]?.[id]),
  wasted: f.wastedSpanIds.map((id) => sources[f.runId]?.[id]),
});

/** A certain re-read: the earlier call, then the repeat with the LLM call that chose it. */
const reread = (earlier: number, repeat: number) => ({
  pattern: "repeated_retrieval/repeated_read",
  confidence: "certain",
  steps: [earlier, repeat, repeat],
  wasted: [repeat, repeat],
});

/** What the provider reported for one assistant message of a tau2 simulation. */
async function tau2Usage(simulation: string, message: number): Promise<number> {
  const folder = join(TAU2_DATA, "simulations");
  for (const file of await readdir(folder)) {
    const data = JSON.parse(await readFile(join(folder, file), "utf8"));
    for (const s of data.simulations) {
      if (!s.id.startsWith(simulation)) continue;
      const usage = s.messages[message].usage;
      return usage.prompt_tokens + usage.completion_tokens;
    }
  }
  throw new Error(`no simulation ${simulation}`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-customer-service-test-"));
  // Two other successful runs of a case are enough here, so that the telecom case's writes are
  // compared at all (the default asks for three).
  const config = join(dir, "analyzers.json");
  await writeFile(config, JSON.stringify({ offPathMinCaseRuns: 2 }));
  collector = await spawnCollector([
    ...storeFlags(dir),
    "--analyze-interval-seconds",
    "0",
    "--analyzer-config",
    config,
  ]);
  const sdk = init({
    endpoint: collector.url,
    serviceName: "customer-service-replay",
    exportDelayMillis: 100,
  });
  const tau2 = await loadTau2(TAU2_DATA);
  tau2Ids = tau2.map((r) => r.runId);
  for (const run of [...tau2, ...(await loadTauRetail(RETAIL_DATA))]) await replay(run, sources);
  await sdk.shutdown();
  const analyzed = await runCli(["analyze", "--json", "--endpoint", collector.url]);
  expect(analyzed.code, analyzed.stderr).toBe(0);
  const listed = await runCli(["findings", "--json", "--limit", "1000", "--endpoint", collector.url]);
  findings = JSON.parse(listed.stdout).findings;
});

afterAll(async () => {
  await collector?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("replayed customer-service runs", () => {
  it("find a lookup repeated right after itself, charged the tokens the provider reported for the turn that chose it", async () => {
    // Messages 4 and 12: the agent fetched the same user's details twice, nothing in between.
    const run = tau2Run("a9ae4a7e");
    expect(of(run).map(messages)).toEqual([
      { pattern: "loop/repeat", confidence: "certain", steps: [4, 12, 12], wasted: [12, 12] },
    ]);
    expect(of(run)[0]?.wastedTokens).toBe(await tau2Usage("a9ae4a7e", 12));
  });

  it("find re-reads with only reads in between, in tau2 and in tau-bench", () => {
    // The same one-stop search at messages 14 and 26; a status check and two other searches between.
    expect(of(tau2Run("f4721c3c")).map(messages)).toEqual([reread(14, 26)]);
    // The user's own device tools (toggling data, speed tests) are not the agent's steps: between
    // the two customer lookups the agent itself only read a line's details.
    expect(of(tau2Run("8e44928e")).map(messages)).toEqual([reread(4, 32)]);
    expect(of("tau-retail-31").map(messages)).toEqual([reread(10, 18)]);
    // The second re-read crosses a `think` call, which changes nothing.
    expect(
      of("tau-retail-90")
        .map(messages)
        .sort((a, b) => (a.steps[1] ?? 0) - (b.steps[1] ?? 0)),
    ).toEqual([reread(8, 14), reread(10, 18)]);
  });

  it("pass over repeats with a write in between or a different answer", () => {
    // A flight search again after booking a reservation: the booking could have changed it.
    expect(of(tau2Run("53a859bb"))).toEqual([]);
    // The same order looked up again after an exchange and a return (same answer, run 30; a
    // different one, run 27).
    expect(of("tau-retail-30")).toEqual([]);
    expect(of("tau-retail-27")).toEqual([]);
  });

  it("suggest a read the other successful runs of the case did without, never a write, and count neither", async () => {
    const offPath = findings.filter((f) => f.pattern === "off_path");
    // airline/13: three successful runs hand over to a person at once; one reads the reservation first.
    expect(offPath.map((f) => [f.runId, ...messages(f).steps])).toEqual([[tau2Run("9ce7f9c5"), 4, 4]]);
    expect(offPath[0]?.confidence).toBe("suggestion");
    expect(offPath[0]?.explanation).toMatch(/in only 0 of the 3 other successful runs of the same case/);
    // telecom: `enable_roaming` (db12aaf6) and `refuel_data` (1b8d233b) appear in neither other
    // successful run of their case, but a write is never off the path.
    for (const prefix of ["db12aaf6", "7c74843c", "1b8d233b"]) expect(of(tau2Run(prefix))).toEqual([]);
    const report = JSON.parse((await runCli(["report", "--json", "--endpoint", collector.url])).stdout);
    const certain = findings.filter((f) => f.confidence === "certain");
    const wasted = report.workflows.reduce((n: number, w: { wastedTokens: number }) => n + w.wastedTokens, 0);
    expect(wasted).toBe(certain.reduce((n, f) => n + f.wastedTokens, 0));
  });

  it("find nothing else in these runs", () => {
    expect(findings).toHaveLength(7);
  });
});
