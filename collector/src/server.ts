// Runs the collector: opens storage (applying migrations) and the write-ahead log, then serves
// the app. Stopping is bounded: new requests are answered 503 at once, requests in flight get a
// grace period, then whatever still reads a body is answered 503 and every connection closed;
// the loader moves what it can of the log into storage within its own deadline, and what is
// left waits in the log for the next start.
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { loadPriceTable } from "@leantrace/pricing";
import { openStore, type StoreOptions } from "@leantrace/storage";
import { type CollectorAppOptions, createCollectorApp, DEFAULT_MAX_REQUEST_SPANS } from "./app.ts";
import { DEFAULT_INGEST_THREADS, inlineNormalizer, threadedNormalizer } from "./ingest/normalizer.ts";
import { IngestPipeline, type PipelineOptions } from "./ingest/pipeline.ts";

export interface CollectorOptions extends CollectorAppOptions {
  /** The write-ahead log: where accepted rows wait for storage. */
  wal: Omit<PipelineOptions, "warn">;
  /** @default `127.0.0.1` */
  host?: string;
  /** 0 picks a free port. @default 4318 */
  port?: number;
  storage?: StoreOptions;
  /** How long requests in flight may take to finish once stopping. @default 5000 */
  shutdownGraceMillis?: number;
  /** How long stopping may spend loading the log into storage. @default 10000 */
  shutdownLoadMillis?: number;
  /** Where warnings go. @default console.warn */
  warn?: (message: string) => void;
  /** Worker threads that decode and normalize requests; 0 keeps it on the event loop. @default one a core, at most 8 */
  ingestThreads?: number;
}

export interface RunningCollector {
  /** The address it listens on, as `http://host:port`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Only a caller on this machine can reach a loopback address. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A request body must arrive within this long: a client trickling bytes cannot hold a slot. */
const REQUEST_TIMEOUT_MILLIS = 60_000;

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4318;
  const warn = options.warn ?? ((message: string) => console.warn(`leantrace collector: ${message}`));
  const store = await openStore(options.storage);
  let ingest: IngestPipeline;
  try {
    ingest = await IngestPipeline.open(store, { ...options.wal, warn });
  } catch (error) {
    await store.close();
    throw error;
  }
  const requireApiKey = options.requireApiKey ?? !isLoopback(host);
  const settings = {
    prices: options.prices ?? loadPriceTable(),
    maxSpans: options.maxRequestSpans ?? DEFAULT_MAX_REQUEST_SPANS,
    ...(options.maxAttributeChars === undefined ? {} : { maxAttributeChars: options.maxAttributeChars }),
  };
  const threads = options.ingestThreads ?? DEFAULT_INGEST_THREADS;
  const normalizer = threads > 0 ? threadedNormalizer(settings, threads) : inlineNormalizer(settings);
  const collector = createCollectorApp(store, ingest, {
    ...options,
    prices: settings.prices,
    requireApiKey,
    normalizer,
  });
  const server = createAdaptorServer({ fetch: collector.app.fetch, hostname: host });
  if ("requestTimeout" in server) server.requestTimeout = REQUEST_TIMEOUT_MILLIS;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    await normalizer.close();
    await ingest.stop(0);
    await store.close();
    throw error;
  }
  if (!isLoopback(host)) {
    warn(
      `listening on ${host}: reachable from other machines, so every request needs an API key (leantrace keys create); put TLS in front of it`,
    );
  }
  collector.analysis.start();
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    stop: () => {
      stopping ??= (async () => {
        collector.refuseRequests();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Idle keep-alive connections would hold close() open; requests in flight finish.
        if ("closeIdleConnections" in server) server.closeIdleConnections();
        const grace = options.shutdownGraceMillis ?? 5000;
        const late = setTimeout(() => {
          collector.abortRequests();
          // The 503s just written get a moment to leave before the sockets go.
          setTimeout(() => {
            if ("closeAllConnections" in server) server.closeAllConnections();
          }, 500).unref();
        }, grace);
        await closed;
        clearTimeout(late);
        await collector.analysis.stop();
        await normalizer.close();
        await ingest.stop(options.shutdownLoadMillis ?? 10_000);
        await store.close();
      })();
      return stopping;
    },
  };
}
