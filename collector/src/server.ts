// Runs the collector: opens storage (applying migrations), then serves the app. Stopping closes
// the listener first, waits for requests in flight, writes what they accepted, closes storage.
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { type OutcomeRow, openStore, type SpanRow, type StoreOptions } from "@leantrace/storage";
import { type CollectorAppOptions, createCollectorApp } from "./app.ts";
import { Spool, type SpoolOptions } from "./ingest/spool.ts";

export interface CollectorOptions extends Omit<CollectorAppOptions, "spool"> {
  /**
   * The local spool that takes batches while storage cannot; none when absent.
   * @default none
   */
  spool?: Omit<SpoolOptions, "retryMillis">;
  /** @default `127.0.0.1` */
  host?: string;
  /** 0 picks a free port. @default 4318 */
  port?: number;
  storage?: StoreOptions;
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

export async function startCollector(options: CollectorOptions = {}): Promise<RunningCollector> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4318;
  const store = await openStore(options.storage);
  const spool =
    options.spool === undefined
      ? undefined
      : new Spool(options.spool, {
          spans: (rows) => store.insertSpans(rows as SpanRow[]),
          outcomes: (rows) => store.insertOutcomes(rows as OutcomeRow[]),
        });
  // What a previous run spooled is loaded first, in order.
  await spool?.drain();
  spool?.start();
  const { app, flush, analysis } = createCollectorApp(store, {
    ...options,
    spool,
    requireApiKey: options.requireApiKey ?? !isLoopback(host),
  });
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  analysis.start();
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    stop: () => {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Idle keep-alive connections would hold close() open; requests in flight finish.
          if ("closeIdleConnections" in server) server.closeIdleConnections();
        });
        await analysis.stop();
        await flush();
        await spool?.stop();
        await store.close();
      })();
      return stopping;
    },
  };
}
