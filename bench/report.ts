// Benchmark: what the dashboard and the report API ask of the store, on 10 million spans
// (250,000 runs, analysed once so that findings exist, summarised as the collector does, plus
// 1% of runs just arrived and not summarised yet). Each query runs 20 times; p50 and p95
// are given, and p95 as a ratio to a baseline measured in the same run: one plain scan of all
// spans grouped by run (the least any per-run report costs).
//
//   npx -y pnpm@10 bench:report [--runs 250000] [--data DIR] [--repeats 20]

import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resolveAnalyzerConfig, runAnalysisPass } from "@leantrace/analyzers";
import {
  breakdown,
  listFindings,
  listRuns,
  RunSummaries,
  runDetail,
  summariseFindings,
  timeSeries,
  workflowReport,
} from "@leantrace/reports";
import { DEFAULT_PROJECT, openStore } from "@leantrace/storage";

const SPANS_PER_RUN = 40;
const GENERATE = readFileSync(new URL("./sql/generate-spans.sql", import.meta.url), "utf8");

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "250000" },
    data: { type: "string" },
    repeats: { type: "string", default: "20" },
  },
});
const runs = Number(values.runs);
const repeats = Number(values.repeats);

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
};

async function timings(work: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await work();
    out.push(performance.now() - t0);
  }
  return out;
}

const dir = values.data ?? (await mkdtemp(join(tmpdir(), "leantrace-bench-report-")));
const store = await openStore({ dataDir: dir });
try {
  const [existing] = await store.select<{ n: number }>("SELECT count() AS n FROM {db:Identifier}.spans");
  if ((existing?.n ?? 0) === 0) {
    process.stdout.write(`generating ${runs * SPANS_PER_RUN} spans (${runs} runs) ... `);
    const t0 = performance.now();
    await store.command(GENERATE, {
      first_run: 0,
      runs,
      spans_per_run: SPANS_PER_RUN,
      ingested_at: new Date(Date.now() - 3_600_000).toISOString().replace("T", " ").replace("Z", ""),
    });
    await store.command("OPTIMIZE TABLE {db:Identifier}.spans FINAL");
    const pass = await runAnalysisPass(store, resolveAnalyzerConfig({ idleMillis: 600_000 }), { full: true });
    console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s, ${pass.findings} findings`);
  }
  // The collector summarises runs as they land; runs that arrived since its last refresh are
  // resolved from their spans: 1% of the runs, just arrived. A first summary of every run (a
  // new store, or one the migration to 0010 asked to summarise again) leaves copies that the
  // engine merges away in the background: merged first, as a collector running for a while has.
  await new RunSummaries(store).refresh();
  await store.command("OPTIMIZE TABLE {db:Identifier}.run_summary FINAL");
  await store.command(GENERATE, {
    first_run: runs + Math.floor(Math.random() * 1e9),
    runs: Math.max(1, Math.round(runs / 100)),
    spans_per_run: SPANS_PER_RUN,
    ingested_at: new Date().toISOString().replace("T", " ").replace("Z", ""),
  });
  const p = DEFAULT_PROJECT;
  const [someRun] = await store.select<{ run_id: string }>(
    "SELECT run_id FROM {db:Identifier}.current_findings LIMIT 1",
  );
  const runId = someRun?.run_id ?? "";
  const week = { since: new Date(Date.now() - 7 * 86_400_000).toISOString() };
  const cases: [string, () => Promise<unknown>][] = [
    [
      "baseline: scan of all spans by run",
      () =>
        store.select(
          "SELECT count(), sum(t) FROM (SELECT run_id, sum(total_tokens) AS t FROM {db:Identifier}.spans FINAL GROUP BY run_id)",
        ),
    ],
    ["GET /api/v1/report (all workflows)", () => workflowReport(store, p)],
    ["GET /api/v1/report?since=7d", () => workflowReport(store, p, week)],
    ["GET /api/v1/report?by=model", () => breakdown(store, p, { by: "model" })],
    ["GET /api/v1/report/series", () => timeSeries(store, p, { bucket: "day" })],
    ["GET /api/v1/findings (first page)", () => listFindings(store, p, {})],
    ["GET /api/v1/findings/summary", () => summariseFindings(store, p, {})],
    ["runs by waste (overview)", () => listRuns(store, p, { order: "wasted", limit: 10 })],
    ["GET /api/v1/runs/:id", () => runDetail(store, p, runId)],
  ];
  const cpu = cpus()[0]?.model ?? "unknown";
  const [version] = await store.select<{ v: string }>("SELECT version() AS v");
  console.log(
    `machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, chDB (ClickHouse ${version?.v}); ${runs * SPANS_PER_RUN} spans, ${repeats} runs of each`,
  );
  let base = 0;
  for (const [name, work] of cases) {
    await work(); // warm the engine's caches, as a collector that has served a page has
    const xs = await timings(work);
    const p95 = quantile(xs, 0.95);
    if (base === 0) base = p95;
    console.log(
      `${name.padEnd(40)} p50 ${quantile(xs, 0.5).toFixed(0).padStart(6)} ms  p95 ${p95.toFixed(0).padStart(6)} ms  ${(p95 / base).toFixed(1).padStart(5)} × baseline`,
    );
  }
} finally {
  await store.close();
  if (values.data === undefined) await rm(dir, { recursive: true, force: true });
}
