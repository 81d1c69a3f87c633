// Each run's latest analysis travels with the run (migration 0010): the `runs` view gives its
// waste and its findings per kind, read from its summary once summarised and resolved from the
// analyses and findings while out of date, and both ways agree with the analyses themselves. A
// new analysis or a late outcome shows at once, before any summary is written again.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BREAKDOWNS, breakdown, RunSummaries } from "@leantrace/reports";
import { openStore, type Store } from "@leantrace/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAnalyzerConfig } from "./config.ts";
import { runAnalysisPass } from "./pass.ts";

// The benchmark's generator of synthetic runs: loops, re-reads and repeated queries in some.
const GENERATE = readFileSync(new URL("../../../bench/sql/generate-spans.sql", import.meta.url), "utf8");
/** The breakdown as computed from every span before runs carried their step groups. */
const BREAKDOWN_FROM_SPANS = readFileSync(
  new URL("../test-fixtures/breakdown-from-spans.sql", import.meta.url),
  "utf8",
);
const hoursAgo = (h: number) =>
  new Date(Date.now() - h * 3_600_000).toISOString().replace("T", " ").replace("Z", "");

/** The figures as the view gives them, per run. */
const VIEW = `SELECT run_id, outcome, analyzed, wasted_tokens, carried_tokens, loop_findings,
                     repeated_retrieval_findings, extraneous_findings
              FROM {db:Identifier}.runs ORDER BY run_id`;
/** The same figures from the analyses and findings themselves. */
const DIRECT = `SELECT r.run_id AS run_id, r.outcome AS outcome, a.run_id != '' AS analyzed,
                       a.wasted_tokens AS wasted_tokens, a.carried_tokens AS carried_tokens,
                       toUInt32(ifNull(f.loops, 0)) AS loop_findings,
                       toUInt32(ifNull(f.retrievals, 0)) AS repeated_retrieval_findings,
                       toUInt32(ifNull(f.extraneous, 0)) AS extraneous_findings
                FROM {db:Identifier}.runs AS r
                LEFT JOIN (SELECT * FROM {db:Identifier}.run_analysis FINAL) AS a ON a.run_id = r.run_id
                LEFT JOIN (SELECT run_id, countIf(kind = 'loop') AS loops,
                                  countIf(kind = 'repeated_retrieval') AS retrievals,
                                  countIf(kind = 'extraneous') AS extraneous
                           FROM {db:Identifier}.current_findings GROUP BY run_id) AS f ON f.run_id = r.run_id
                ORDER BY run_id
                SETTINGS join_use_nulls = 0`;

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-run-figures-"));
  store = await openStore({ dataDir: join(dir, "data") });
  await store.command(GENERATE, { first_run: 0, runs: 200, spans_per_run: 40, ingested_at: hoursAgo(2) });
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** As if time had passed: every summary written so far is up to date. */
const advanceWatermark = () =>
  store.command(
    "INSERT INTO {db:Identifier}.run_summary_watermark (read_until, updated_at) VALUES (now64(3), now64(3))",
  );

describe("each run's analysis in the runs view", () => {
  it("agrees with the analyses and findings, out of date and summarised alike", async () => {
    const pass = await runAnalysisPass(store, resolveAnalyzerConfig({ idleMillis: 60_000 }), { full: true });
    expect(pass.findings).toBeGreaterThan(10);
    const direct = await store.select<Record<string, unknown>>(DIRECT);
    expect(direct.filter((r) => Number(r.loop_findings) > 0).length).toBeGreaterThan(0);
    expect(direct.filter((r) => Number(r.wasted_tokens) > 0).length).toBeGreaterThan(0);
    // Nothing summarised yet: every run resolved from its spans, analysis and findings.
    expect(await store.select(VIEW)).toEqual(direct);
    await new RunSummaries(store).refresh();
    await advanceWatermark();
    const [outOfDate] = await store.select<{ n: number }>(
      "SELECT count() AS n FROM {db:Identifier}.runs_out_of_date",
    );
    expect(Number(outOfDate?.n)).toBe(0);
    // Every run read from its summary now.
    expect(await store.select(VIEW)).toEqual(direct);
    const [stored] = await store.select<{ n: number }>(
      "SELECT sum(loop_findings + repeated_retrieval_findings + extraneous_findings) AS n FROM {db:Identifier}.run_summary FINAL",
    );
    expect(Number(stored?.n)).toBe(pass.findings);
  });

  it("shows a late outcome and a new analysis at once, and summarises them on the next refresh", async () => {
    const run = `${"0".repeat(31)}3`;
    await store.command(
      "INSERT INTO {db:Identifier}.outcomes (project, run_id, outcome, outcome_value, received_at) VALUES ('default', {run:String}, 'failure', NULL, now64(3))",
      { run },
    );
    const outcomeOf = async () =>
      (
        await store.select<{ outcome: string }>(
          "SELECT outcome FROM {db:Identifier}.runs WHERE run_id = {run:String}",
          { run },
        )
      )[0]?.outcome;
    expect(await outcomeOf()).toBe("failure");
    // The outcome makes the run due for a new analysis: it is taken again, and the view follows.
    const pass = await runAnalysisPass(store, resolveAnalyzerConfig({ idleMillis: 60_000 }));
    expect(pass.runs).toBe(1);
    expect(await store.select(VIEW)).toEqual(await store.select(DIRECT));
    await new RunSummaries(store).refresh();
    expect(await outcomeOf()).toBe("failure");
    expect(await store.select(VIEW)).toEqual(await store.select(DIRECT));
    const [summary] = await store.select<{ late_outcome: string }>(
      "SELECT late_outcome FROM {db:Identifier}.run_summary FINAL WHERE run_id = {run:String}",
      { run },
    );
    expect(summary?.late_outcome).toBe("failure");
  });

  it("keeps a run id used by two projects apart, whether its spans are new, replaced or old", async () => {
    const run = `${"0".repeat(31)}5`;
    // The same run id in another project, all of its spans new.
    await store.command(
      `INSERT INTO {db:Identifier}.spans
       SELECT * REPLACE ('other' AS project, now64(3) AS ingested_at)
       FROM {db:Identifier}.spans FINAL WHERE run_id = {run:String}`,
      { run },
    );
    // The first project's run summarised long ago gets its spans again (replaced, new times).
    await store.command(GENERATE, { first_run: 5, runs: 1, spans_per_run: 40, ingested_at: hoursAgo(0) });
    const check = async () => {
      const fromSpans = await store.select<{ project: string; tokens: number; spans: number }>(
        `SELECT project, sum(total_tokens) AS tokens, count() AS spans FROM {db:Identifier}.spans FINAL
         WHERE run_id = {run:String} GROUP BY project ORDER BY project`,
        { run },
      );
      const fromView = await store.select<{ project: string; tokens: number; spans: number }>(
        `SELECT project, total_tokens AS tokens, spans FROM {db:Identifier}.runs
         WHERE run_id = {run:String} ORDER BY project`,
        { run },
      );
      expect(fromView).toEqual(fromSpans);
      expect(fromView.map((r) => r.project)).toEqual(["default", "other"]);
      const [duplicates] = await store.select<{ n: number }>(
        "SELECT count() - uniqExact(project, run_id) AS n FROM {db:Identifier}.runs",
      );
      expect(Number(duplicates?.n)).toBe(0);
    };
    await check();
    await new RunSummaries(store).refresh();
    await check();
    await advanceWatermark();
    await check();
  });

  it("breaks tokens and waste down by every dimension as the spans themselves do", async () => {
    // Runs just arrived (resolved from their spans) beside runs read from their summaries.
    await store.command(GENERATE, { first_run: 300, runs: 20, spans_per_run: 40, ingested_at: hoursAgo(0) });
    const compare = async () => {
      for (const by of BREAKDOWNS) {
        const now = await breakdown(store, "default", { by });
        const fromSpans = await store.select<Record<string, number | string | null>>(BREAKDOWN_FROM_SPANS, {
          project: "default",
          by,
          workflow: "",
          since: "1970-01-01 00:00:00",
          until: "2200-01-01 00:00:00",
        });
        expect(
          now.rows.map((r) => r.key),
          by,
        ).toEqual(fromSpans.map((r) => r.key));
        now.rows.forEach((row, i) => {
          const expected = fromSpans[i] as Record<string, number | string | null>;
          for (const [field, value] of Object.entries(row)) {
            const want = expected[field];
            if (typeof value === "number" && typeof want === "number")
              expect(value, `${by} ${field}`).toBeCloseTo(want, 6);
            else expect(value, `${by} ${field}`).toEqual(want);
          }
        });
      }
    };
    const [wasted] = await store.select<{ n: number }>(
      "SELECT sum(wasted_tokens) AS n FROM {db:Identifier}.runs WHERE project = 'default'",
    );
    expect(Number(wasted?.n)).toBeGreaterThan(0);
    await compare();
    await new RunSummaries(store).refresh();
    await advanceWatermark();
    await compare();
  });
});
