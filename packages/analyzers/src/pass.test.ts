// Analysis passes against the real embedded ClickHouse: which runs a pass takes, that it takes
// them once, and that waste shared by two findings counts once.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { workflowReport } from "@leantrace/reports";
import { dateTime64Text, openStore, type SpanRow, type Store } from "@leantrace/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAnalyzerConfig } from "./config.ts";
import { runAnalysisPass } from "./pass.ts";

let dir: string;
let store: Store;
const config = resolveAnalyzerConfig({ idleMillis: 60_000 });
const T0 = 1_790_000_000_000_000_000n;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-pass-test-"));
  store = await openStore({ dataDir: dir });
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
function span(run: string, fields: Partial<SpanRow> & { at: number }): SpanRow {
  counter++;
  const start = T0 + BigInt(fields.at) * 1_000_000n;
  const { at: _at, ...rest } = fields;
  return {
    project: "default",
    trace_id: run,
    span_id: counter.toString(16).padStart(16, "0"),
    parent_span_id: "00000000000000ff",
    run_id: run,
    workflow: "",
    span_name: "step",
    kind: "llm",
    operation: "",
    service_name: "test",
    service_version: "1",
    ci_run_id: "",
    case_id: "",
    model: "",
    provider: "",
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    reasoning_output_tokens: 0,
    total_tokens: 0,
    cost: null,
    duplicate_of: "",
    tool_name: "",
    tool_args_fp: "",
    effect: "",
    result_fp: "",
    result_chars: 0,
    query_fp: "",
    data_source: "",
    document_ids: [],
    documents_fp: "",
    input_fp: "",
    input_part_fps: [],
    output_fp: "",
    outcome: "",
    outcome_value: null,
    outcome_decided_at: dateTime64Text(0n),
    final_answer: 0,
    status_code: "unset",
    status_message: "",
    error_type: "",
    start_time: dateTime64Text(start),
    end_time: dateTime64Text(start + 500_000n),
    duration_ns: "500000",
    span_attributes: {},
    resource_attributes: {},
    scope_name: "",
    scope_version: "",
    ...rest,
  };
}

/** A run: root (with its outcome, if any), then LLM calls each choosing a call to `lookup`. */
function run(id: string, options: { outcome?: string; decidedAt?: number; calls: string[] }): SpanRow[] {
  const rows = [
    span(id, {
      at: 0,
      parent_span_id: "",
      kind: "workflow",
      workflow: "w",
      outcome: options.outcome ?? "",
      outcome_decided_at: dateTime64Text(
        options.decidedAt === undefined ? 0n : T0 + BigInt(options.decidedAt) * 1_000_000n,
      ),
    }),
  ];
  options.calls.forEach((args, i) => {
    rows.push(span(id, { at: 10 * i + 1, kind: "llm", total_tokens: 100, output_fp: `out-${id}-${i}` }));
    rows.push(span(id, { at: 10 * i + 5, kind: "tool", tool_name: "lookup", tool_args_fp: args }));
  });
  return rows;
}

async function insert(rows: SpanRow[]): Promise<void> {
  expect((await store.insertSpans(rows)).status).toBe("ok");
}

describe("analysis passes", () => {
  it("takes complete runs once, and again only when something new arrives", async () => {
    await insert([
      ...run("a".repeat(32), { outcome: "success", calls: ["x", "y"] }),
      ...run("b".repeat(32), { calls: ["x"] }), // no outcome: complete only once idle
    ]);
    const now = new Date();
    expect((await runAnalysisPass(store, config, { now })).runs).toBe(1);
    expect((await runAnalysisPass(store, config, { now })).runs).toBe(0);
    // An hour later the run without an outcome has been idle long enough.
    const later = new Date(now.getTime() + 3_600_000);
    expect((await runAnalysisPass(store, config, { now: later })).runs).toBe(1);
    expect((await runAnalysisPass(store, config, { now: later })).runs).toBe(0);
    // A new span for run a, and a late outcome for run b: both are analyzed again.
    await insert([span("a".repeat(32), { at: 90, kind: "llm", total_tokens: 5 })]);
    await store.insertOutcomes([
      {
        project: "default",
        run_id: "b".repeat(32),
        outcome: "failure",
        outcome_value: null,
        received_at: new Date().toISOString().replace("T", " ").replace("Z", ""),
      },
    ]);
    expect((await runAnalysisPass(store, config)).runs).toBe(2);
    expect((await runAnalysisPass(store, config)).runs).toBe(0);
    // A full pass takes every complete run, changed or not.
    expect((await runAnalysisPass(store, config, { full: true })).runs).toBe(2);
  });

  it("counts a span wasted by two findings once in the report", async () => {
    // Three identical calls, all after the outcome was decided: a loop and an after_outcome
    // finding name the same LLM calls.
    const id = "c".repeat(32);
    await insert(run(id, { outcome: "success", decidedAt: 0, calls: ["same", "same", "same"] }));
    await runAnalysisPass(store, config);
    const findings = await store.select<{ pattern: string; wasted_tokens: number }>(
      "SELECT pattern, wasted_tokens FROM {db:Identifier}.current_findings WHERE run_id = {id:String} ORDER BY pattern",
      { id },
    );
    expect(findings).toEqual([
      { pattern: "after_outcome", wasted_tokens: 300 },
      { pattern: "repeat", wasted_tokens: 200 },
    ]);
    const report = await workflowReport(store, "default", { workflow: "w" });
    const mine = report.workflows[0]?.outcomes.find((o) => o.outcome === "success");
    // Run a (no waste) and run c: 300, not 500.
    expect(mine?.wastedTokens).toBe(300);
  });
});

describe("a provider call two instrumentations recorded", () => {
  it("counts once, names the span that counts it, and does not analyze the run again for it", async () => {
    const id = "d".repeat(32);
    const at = (ms: number) => dateTime64Text(T0 + BigInt(ms) * 1_000_000n);
    const call = (fields: Partial<SpanRow> & { from: number; to: number; scope: string }): SpanRow => {
      const { from, to, scope, ...rest } = fields;
      return span(id, {
        at: from,
        kind: "llm",
        model: "gpt-4o-mini",
        input_tokens: 100,
        output_tokens: 20,
        total_tokens: 120,
        cost: 0.001,
        scope_name: scope,
        start_time: at(from),
        end_time: at(to),
        duration_ns: ((to - from) * 1_000_000).toString(),
        ...rest,
      });
    };
    const chain = call({ from: 10, to: 40, scope: "instrumentation-langchain" });
    const client = call({ from: 12, to: 38, scope: "instrumentation-openai" });
    // The same usage from the same instrumentation is two calls, even at once.
    const parallel = [
      call({ from: 50, to: 60, scope: "instrumentation-openai", output_fp: "p1" }),
      call({ from: 50, to: 61, scope: "instrumentation-openai", output_fp: "p2" }),
    ];
    // Another trace's span is another call.
    const elsewhere = call({ from: 9, to: 41, scope: "instrumentation-langchain", trace_id: "f".repeat(32) });
    const root = span(id, {
      at: 0,
      parent_span_id: "",
      kind: "workflow",
      workflow: "twice",
      outcome: "success",
    });
    await insert([root, chain, client, ...parallel, elsewhere]);
    await runAnalysisPass(store, config);

    const rows = await store.select<{
      span_id: string;
      duplicate_of: string;
      total_tokens: number;
      cost: number | null;
    }>(
      `SELECT span_id, duplicate_of, total_tokens, cost FROM {db:Identifier}.spans FINAL
       WHERE run_id = {id:String} AND kind = 'llm' ORDER BY start_time, span_id`,
      { id },
    );
    expect(rows).toEqual([
      { span_id: elsewhere.span_id, duplicate_of: "", total_tokens: 120, cost: 0.001 },
      { span_id: chain.span_id, duplicate_of: client.span_id, total_tokens: 0, cost: 0 },
      { span_id: client.span_id, duplicate_of: "", total_tokens: 120, cost: 0.001 },
      { span_id: parallel[0]?.span_id, duplicate_of: "", total_tokens: 120, cost: 0.001 },
      { span_id: parallel[1]?.span_id, duplicate_of: "", total_tokens: 120, cost: 0.001 },
    ]);
    const [total] = await store.select<{ total_tokens: number }>(
      "SELECT total_tokens FROM {db:Identifier}.runs WHERE run_id = {id:String}",
      { id },
    );
    expect(total?.total_tokens).toBe(4 * 120);
    const findings = await store.select(
      "SELECT pattern FROM {db:Identifier}.current_findings WHERE run_id = {id:String}",
      { id },
    );
    expect(findings).toEqual([]);
    // Writing the copy again is not news: the next pass leaves the run alone.
    expect((await runAnalysisPass(store, config)).runs).toBe(0);
  });
});

describe("passes confined to a project", () => {
  it("do not move the read mark of the passes over every project", { timeout: 30_000 }, async () => {
    const other = "e".repeat(32);
    const eager = resolveAnalyzerConfig({ idleMillis: 0 });
    const rows = run(other, { outcome: "success", calls: ["q"] }).map((row) => ({
      ...row,
      project: "other",
    }));
    await insert(rows);
    // Past the overlap a pass re-reads: a pass for project "default" alone then must not hide
    // "other"'s run from the next pass over every project.
    await new Promise((resolve) => setTimeout(resolve, 11_000));
    expect((await runAnalysisPass(store, eager, { project: "default" })).runs).toBe(0);
    expect((await runAnalysisPass(store, eager)).runs).toBe(1);
  });
});
