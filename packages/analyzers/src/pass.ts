// One analysis pass: pick the complete runs that changed, lay out their steps, run every
// analyzer's SQL over them, cost the findings, record what was analyzed. Everything heavy runs
// inside ClickHouse; this file only schedules the statements.
import { millisText, parseMillisText, type Store, sqlFiles } from "@leantrace/storage";
import { type AnalyzerConfig, sqlParameters } from "./config.ts";

const loadSql = sqlFiles(new URL("../sql/", import.meta.url));
const SELECT_RUNS = loadSql("select-runs");
const MARK_DUPLICATE_CALLS = loadSql("mark-duplicate-calls");
const PREPARE_RUNS = loadSql("prepare-runs");
/**
 * The analyzers, in the order they run (repeated-retrieval leaves out what loop reported). Each
 * file is a SELECT over the prepared runs whose rows are candidate findings.
 */
const INSERT_CANDIDATES = `INSERT INTO {db:Identifier}.finding_candidates
  (pass_id, project, run_id, workflow, outcome, service_version, kind, pattern, confidence,
   span_ids, wasted_span_ids, wasted_span_tokens, wasted_tokens, explanation)
`;
const ANALYZERS = ["loop", "repeated-retrieval", "extraneous", "off-path"].map((name) => ({
  name,
  sql: INSERT_CANDIDATES + loadSql(name),
}));
const FINALIZE = loadSql("finalize");
const RECORD_RUNS = loadSql("record-runs");
const PARTITIONED_WORKING_TABLES = ["analysis_batch", "finding_candidates"];

/** Re-reads this much before the previous pass's end: inserts in flight then are not missed. */
const OVERLAP_MILLIS = 10_000;

export interface PassResult {
  passId: string;
  /** Runs analyzed in this pass. */
  runs: number;
  /** Findings written. */
  findings: number;
  durationMillis: number;
  /** Milliseconds per step, for profiling. */
  timings: Record<string, number>;
}

let lastPassId = 0n;

/** Pass ids grow with time and never repeat within a process. */
function nextPassId(now: Date): bigint {
  const candidate = BigInt(now.getTime()) * 1000n;
  lastPassId = candidate > lastPassId ? candidate : lastPassId + 1n;
  return lastPassId;
}

export interface PassOptions {
  /** The time against which idleness is judged (runs idle since before it are complete). @default ClickHouse's now */
  now?: Date;
  /** Only this project's runs; every project's when absent (the collector's own passes). */
  project?: string;
  /** Analyze every complete run, changed or not, reading all spans. @default false */
  full?: boolean;
}

export async function runAnalysisPass(
  store: Store,
  config: AnalyzerConfig,
  options: PassOptions = {},
): Promise<PassResult> {
  const started = performance.now();
  // Spans are stamped with ClickHouse's clock: how far a pass has read is measured with it too,
  // so a collector whose clock runs ahead cannot skip spans.
  const [clock] = await store.select<{ now: string }>("SELECT toString(now64(3, 'UTC')) AS now");
  const readUntil = clock === undefined ? new Date() : new Date(parseMillisText(clock.now));
  const now = options.now ?? readUntil;
  const passId = nextPassId(new Date());
  const timings: Record<string, number> = {};
  const params = {
    ...sqlParameters(config),
    pass: passId.toString(),
    now: millisText(now.getTime()),
    full: options.full ? 1 : 0,
    project: options.project ?? "",
  };
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      timings[step] = Math.round(performance.now() - t0);
    }
  };
  const run = (step: string, query: string) => timed(step, () => store.command(query, params));

  let since = new Date(0);
  if (!options.full) {
    // A pass reads on from where passes that covered its runs stopped: one confined to a
    // project does not move the mark of the passes over every project.
    const [previous] = await store.select<{ read_until: string; passes: number }>(
      `SELECT max(read_until) AS read_until, count() AS passes FROM {db:Identifier}.analysis_passes
       WHERE project = '' OR project = {project:String}`,
      { project: options.project ?? "" },
    );
    if (previous && previous.passes > 0) {
      since = new Date(parseMillisText(previous.read_until) - config.idleMillis - OVERLAP_MILLIS);
    }
  }
  try {
    await timed("select-runs", () =>
      store.command(SELECT_RUNS, { ...params, since: millisText(since.getTime()) }),
    );
    const [batch] = await store.select<{ runs: number }>(
      "SELECT count() AS runs FROM {db:Identifier}.analysis_batch WHERE pass_id = {pass:UInt64}",
      { pass: passId.toString() },
    );
    const runs = batch?.runs ?? 0;
    let findings = 0;
    if (runs > 0) {
      await run("mark-duplicate-calls", MARK_DUPLICATE_CALLS);
      await run("prepare-runs", PREPARE_RUNS);
      for (const analyzer of ANALYZERS) await run(analyzer.name, analyzer.sql);
      await run("finalize", FINALIZE);
      await run("record-runs", RECORD_RUNS);
      const [written] = await store.select<{ findings: number }>(
        "SELECT count() AS findings FROM {db:Identifier}.finding_candidates WHERE pass_id = {pass:UInt64}",
        { pass: passId.toString() },
      );
      findings = written?.findings ?? 0;
    }
    const durationMillis = Math.round(performance.now() - started);
    await store.command(
      `INSERT INTO {db:Identifier}.analysis_passes (pass_id, project, read_until, runs, findings, duration_ms)
       VALUES ({pass:UInt64}, {project:String}, {now:DateTime64(3)}, {runs:UInt32}, {findings:UInt32}, {duration:UInt32})`,
      {
        pass: passId.toString(),
        project: options.project ?? "",
        now: millisText(readUntil.getTime()),
        runs,
        findings,
        duration: durationMillis,
      },
    );
    return { passId: passId.toString(), runs, findings, durationMillis, timings };
  } finally {
    // The pass id is ours, a number: safe to write into the statements.
    for (const table of PARTITIONED_WORKING_TABLES) {
      await store.command(`ALTER TABLE {db:Identifier}.${table} DROP PARTITION ${passId}`);
    }
    await store.command(
      `ALTER TABLE {db:Identifier}.analysis_runs DELETE WHERE pass_id = ${passId} SETTINGS mutations_sync = 1`,
    );
  }
}
