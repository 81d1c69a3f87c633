// A collector in the test's own process, over a real embedded store and a real write-ahead log
// in a folder of its own: what the collector's test files start, so that each starts it alike.
// Not part of the published package (tsconfig.build.json leaves src/testing out).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "@leantrace/storage";
import { type CollectorApp, createCollectorApp } from "../app.ts";
import { type CollectorConfig, type CollectorOptions, resolveCollectorConfig } from "../config.ts";
import { IngestPipeline, pipelineOptions } from "../ingest/pipeline.ts";

export interface InProcessCollector extends CollectorApp {
  readonly config: CollectorConfig;
  store: Store;
  ingest: IngestPipeline;
  /** Stops the pipeline and the store it holds now, then deletes the folder. */
  close(): Promise<void>;
}

/**
 * `options` as a user gives them, but for the data and log folders; the loader inserts at once
 * unless `tuning` says otherwise. `beforeIngest` runs on the store before the pipeline opens
 * (to create API keys, say).
 */
export async function startInProcessCollector(
  name: string,
  options: Omit<CollectorOptions, "storage" | "wal"> = {},
  beforeIngest?: (store: Store) => Promise<void>,
): Promise<InProcessCollector> {
  const dir = await mkdtemp(join(tmpdir(), `leantrace-${name}-`));
  const config = resolveCollectorConfig({
    ...options,
    storage: { dataDir: join(dir, "data") },
    wal: join(dir, "wal"),
    tuning: { loaderLingerMillis: 0, ...options.tuning },
  });
  const store = await openStore(config.storage);
  await beforeIngest?.(store);
  const ingest = await IngestPipeline.open(store, pipelineOptions(config));
  const collector: InProcessCollector = {
    ...createCollectorApp(store, ingest, config),
    config,
    store,
    ingest,
    close: async () => {
      await collector.ingest.stop(10_000);
      await collector.store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return collector;
}
