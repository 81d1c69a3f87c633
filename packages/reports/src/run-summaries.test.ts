// The `runs` view reads each run's summary once the run is summarised, and resolves from the
// spans every run that received spans since: the same rows either way, fresh at once.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "@leantrace/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunSummaries } from "./run-summaries.ts";

// The benchmark's generator of synthetic runs (40 spans each), reused as test data.
const GENERATE = readFileSync(new URL("../../../bench/sql/generate-spans.sql", import.meta.url), "utf8");
const RUNS = "SELECT * FROM {db:Identifier}.runs ORDER BY project, run_id";
const minutesAgo = (m: number) =>
  new Date(Date.now() - m * 60_000).toISOString().replace("T", " ").replace("Z", "");

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-run-summaries-"));
  store = await openStore({ dataDir: join(dir, "data") });
  await store.command(GENERATE, { first_run: 0, runs: 50, spans_per_run: 40, ingested_at: minutesAgo(60) });
  await store.command(GENERATE, { first_run: 50, runs: 10, spans_per_run: 40, ingested_at: minutesAgo(0) });
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("run summaries", () => {
  it("leave the runs view's rows as they were", async () => {
    const before = await store.select(RUNS);
    await new RunSummaries(store).refresh();
    const [summarised] = await store.select<{ n: number }>(
      "SELECT count() AS n FROM {db:Identifier}.run_summary FINAL",
    );
    expect(Number(summarised?.n)).toBe(60);
    expect(await store.select(RUNS)).toEqual(before);
    expect(before).toHaveLength(60);
  });

  it("serve runs summarised before the watermark from their summary, and a run with new spans from its spans", async () => {
    const old = `${"0".repeat(31)}1`;
    // A summary that disagrees with the spans shows which one the view read.
    await store.command(
      `INSERT INTO {db:Identifier}.run_summary
       SELECT * REPLACE (run_tokens + 1000000 AS run_tokens, now64(3) AS summarized_at)
       FROM {db:Identifier}.run_summary FINAL WHERE run_id = {run:String}`,
      { run: old },
    );
    const tokens = async () =>
      Number(
        (
          await store.select<{ t: number }>(
            "SELECT total_tokens AS t FROM {db:Identifier}.runs WHERE run_id = {run:String}",
            {
              run: old,
            },
          )
        )[0]?.t,
      );
    const fromSpans = Number(
      (
        await store.select<{ t: number }>(
          "SELECT sum(total_tokens) AS t FROM {db:Identifier}.spans FINAL WHERE run_id = {run:String}",
          { run: old },
        )
      )[0]?.t,
    );
    expect(await tokens()).toBe(fromSpans + 1_000_000);
    // New spans of that run: resolved from its spans at once, before any summary is written.
    await store.command(GENERATE, { first_run: 1, runs: 1, spans_per_run: 40, ingested_at: minutesAgo(0) });
    expect(await tokens()).toBe(fromSpans);
  });
});
