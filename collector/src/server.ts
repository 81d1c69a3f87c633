// Runs the collector: opens storage (applying migrations) and the write-ahead log, then serves
// the app. Stopping is bounded: new requests are answered 503 at once, requests in flight get a
// grace period, then whatever still reads a body is answered 503 and every connection closed;
// the loader moves what it can of the log into storage within its own deadline, and what is
// left waits in the log for the next start.
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { openStore } from "@leantrace/storage";
import { activityLine, createCollectorApp, normalizeSettings } from "./app.ts";
import { type CollectorConfig, isLoopback } from "./config.ts";
import { Forwarder } from "./forward/forwarder.ts";
import { inlineNormalizer, threadedNormalizer } from "./ingest/normalizer.ts";
import { IngestPipeline, pipelineOptions } from "./ingest/pipeline.ts";

export interface RunningCollector {
  /** The address it listens on, as `http://host:port`. */
  readonly url: string;
  stop(): Promise<void>;
}

const consoleWarn = (message: string) => console.warn(`leantrace collector: ${message}`);

/** Starts a collector on settings from `resolveCollectorConfig`. */
export async function startCollector(
  config: CollectorConfig,
  warn: (message: string) => void = consoleWarn,
): Promise<RunningCollector> {
  const store = await openStore(config.storage);
  let ingest: IngestPipeline;
  try {
    ingest = await IngestPipeline.open(store, pipelineOptions(config, warn));
  } catch (error) {
    await store.close();
    throw error;
  }
  const settings = normalizeSettings(config);
  const normalizer =
    config.ingestThreads > 0
      ? threadedNormalizer(settings, config.ingestThreads)
      : inlineNormalizer(settings);
  const forwarder = config.forward === undefined ? undefined : new Forwarder({ ...config.forward, warn });
  const collector = createCollectorApp(store, ingest, config, normalizer, forwarder);
  const server = createAdaptorServer({ fetch: collector.app.fetch, hostname: config.host });
  if ("requestTimeout" in server) server.requestTimeout = config.http.requestTimeoutMillis;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (error) {
    await normalizer.close();
    await ingest.stop(0);
    await store.close();
    throw error;
  }
  if (!isLoopback(config.host)) {
    warn(
      `listening on ${config.host}: reachable from other machines, so every request needs an API key (leantrace keys create); put TLS in front of it`,
    );
  }
  collector.analysis.start();
  collector.metering.start();
  // One line a minute of what was ingested and analyzed, and nothing per request.
  const activity = setInterval(() => {
    const line = activityLine(collector.takeActivity(), 1, ingest.log.pendingBytes);
    if (line !== undefined) console.log(`leantrace collector: ${line}`);
  }, 60_000);
  activity.unref();
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(activity);
        collector.refuseRequests();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Idle keep-alive connections would hold close() open; requests in flight finish.
        if ("closeIdleConnections" in server) server.closeIdleConnections();
        const late = setTimeout(() => {
          collector.abortRequests();
          // The 503s just written get a moment to leave before the sockets go.
          setTimeout(() => {
            if ("closeAllConnections" in server) server.closeAllConnections();
          }, 500).unref();
        }, config.shutdown.graceMillis);
        await closed;
        clearTimeout(late);
        await collector.analysis.stop();
        await collector.metering.stop();
        await normalizer.close();
        await forwarder?.close(2_000);
        await ingest.stop(config.shutdown.loadMillis);
        await store.close();
      })();
      return stopping;
    },
  };
}
