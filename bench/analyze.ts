// Benchmark: a full analysis of 10 million spans (250,000 runs), and an incremental pass over
// 1% new runs. Each figure is also given as a ratio to a baseline measured in the same run: one
// plain scan of all spans grouped by run (what any per-run report costs at least).
//
//   npx -y pnpm@10 bench [--runs 250000] [--data DIR]

import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resolveAnalyzerConfig, runAnalysisPass } from "@leantrace/analyzers";
import { openStore, type Store } from "@leantrace/storage";

const SPANS_PER_RUN = 40;
const REPEATS = 3;
const GENERATE = readFileSync(new URL("./sql/generate-spans.sql", import.meta.url), "utf8");

const { values } = parseArgs({
  options: { runs: { type: "string", default: "250000" }, data: { type: "string" } },
});
const runs = Number(values.runs);

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time(date: Date): string {
  return date.toISOString().replace("T", " ").replace("Z", "");
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

async function generate(store: Store, firstRun: number, count: number, ingestedAt: Date): Promise<void> {
  await store.command(GENERATE, {
    first_run: firstRun,
    runs: count,
    spans_per_run: SPANS_PER_RUN,
    ingested_at: time(ingestedAt),
  });
}

const dir = values.data ?? (await mkdtemp(join(tmpdir(), "leantrace-bench-")));
const store = await openStore({ dataDir: dir });
try {
  const [existing] = await store.select<{ n: number }>("SELECT count() AS n FROM {db:Identifier}.spans");
  if ((existing?.n ?? 0) === 0) {
    process.stdout.write(`generating ${runs * SPANS_PER_RUN} spans (${runs} runs) ... `);
    const ms = await timed(() => generate(store, 0, runs, new Date(Date.now() - 3_600_000)));
    await store.command("OPTIMIZE TABLE {db:Identifier}.spans FINAL");
    console.log(`${(ms / 1000).toFixed(1)} s`);
  }
  const config = resolveAnalyzerConfig({ idleMillis: 600_000 });
  const baseline: number[] = [];
  const full: number[] = [];
  let lastFull: Awaited<ReturnType<typeof runAnalysisPass>> | undefined;
  const fullTimings: string[] = [];
  for (let i = 0; i < REPEATS; i++) {
    baseline.push(
      await timed(() =>
        store.select(
          "SELECT count(), sum(t) FROM (SELECT run_id, sum(total_tokens) AS t FROM {db:Identifier}.spans FINAL GROUP BY run_id)",
        ),
      ),
    );
    full.push(
      await timed(async () => {
        lastFull = await runAnalysisPass(store, config, { full: true });
      }),
    );
    fullTimings.push(JSON.stringify(lastFull?.timings));
  }
  const newRuns = Math.max(1, Math.round(runs / 100));
  const incremental: number[] = [];
  let lastIncremental: Awaited<ReturnType<typeof runAnalysisPass>> | undefined;
  for (let i = 0; i < REPEATS; i++) {
    // Let the previous pass's time move past, as between two real passes.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await generate(store, runs + i * newRuns, newRuns, new Date());
    incremental.push(
      await timed(async () => {
        lastIncremental = await runAnalysisPass(store, config);
      }),
    );
  }
  const cpu = cpus()[0]?.model ?? "unknown";
  const [version] = await store.select<{ v: string }>("SELECT version() AS v");
  const b = median(baseline);
  const f = median(full);
  const inc = median(incremental);
  console.log(
    `machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, chDB (ClickHouse ${version?.v})`,
  );
  console.log(
    `baseline scan (${runs * SPANS_PER_RUN} spans by run): median ${b.toFixed(0)} ms of ${baseline.map((x) => x.toFixed(0)).join(", ")}`,
  );
  console.log(
    `full analysis (${lastFull?.runs} runs, ${lastFull?.findings} findings): median ${f.toFixed(0)} ms of ${full.map((x) => x.toFixed(0)).join(", ")}; ${(f / b).toFixed(1)} × baseline`,
  );
  console.log(`  steps (ms) of each:\n    ${fullTimings.join("\n    ")}`);
  console.log(
    `incremental pass (${newRuns} new runs, ${lastIncremental?.findings} findings): median ${inc.toFixed(0)} ms of ${incremental.map((x) => x.toFixed(0)).join(", ")}; ${(inc / b).toFixed(2)} × baseline`,
  );
  console.log(`  steps of the last: ${JSON.stringify(lastIncremental?.timings)}`);
} finally {
  await store.close();
  if (values.data === undefined) await rm(dir, { recursive: true, force: true });
}
