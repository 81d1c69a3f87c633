// Every setting of a collector, and every default, in one place. The command's flags, a
// program's options and the environment all come in as `CollectorOptions` (numbers may be
// given as text, as flags are); `resolveCollectorConfig` checks them, says in a sentence what
// is wrong, fills in what is missing and returns the one `CollectorConfig` everything else
// takes. Nothing below this module has a default of its own.
import { type AnalyzerConfig, type AnalyzerOptions, resolveAnalyzerConfig } from "@leantrace/analyzers";
import { loadPriceTable, type PriceTable } from "@leantrace/pricing";
import { resolveStoreConfig, type StoreConfig, type StoreOptions } from "@leantrace/storage";

const MIB = 1024 * 1024;

/** The defaults, as a person reads them in `--help` and the README. */
export const COLLECTOR_DEFAULTS = {
  host: "127.0.0.1",
  port: 4318,
  maxBodyBytes: 16 * MIB,
  maxRequestSpans: 50_000,
  maxAttributeChars: 65_536,
  analyzeIntervalSeconds: 30,
  walMaxBytes: 1024 * MIB,
  ingestThreads: 0,
  /** Request bytes (as received and inflated) all requests may hold at once; past it, 429. */
  maxInFlightBytes: 64 * MIB,
  /**
   * A request past that budget waits this long for its turn, its body unread (TCP holds the
   * client back), before the answer is 429.
   */
  inFlightWaitMillis: 2_000,
  /** A request body must arrive within this long: a client trickling bytes cannot hold a slot. */
  requestTimeoutMillis: 60_000,
  /** How long requests in flight may take to finish once stopping. */
  shutdownGraceMillis: 5_000,
  /** How long stopping may spend loading the log into storage. */
  shutdownLoadMillis: 10_000,
  /** A log segment is closed and a new one started past this size. */
  walSegmentBytes: 64 * MIB,
  /**
   * The most bytes of the log one insert carries (a larger single request goes alone). An
   * insert's own memory is most of the collector's peak above its idle size: 6 MiB keeps the
   * peak about 20 MiB lower than 8 did, for a little more merging (decisions.md #44).
   */
  loaderBatchBytes: 6 * MIB,
  /** A batch short of loaderBatchBytes waits up to this long after the previous insert for more rows. */
  loaderLingerMillis: 250,
  /** The longest pause between attempts while storage is unavailable. */
  loaderMaxBackoffMillis: 30_000,
  /** A report or listing waits at most this long for what was accepted to reach storage. */
  readAfterWriteMillis: 2_000,
  /** Bytes of accepted requests that may wait to be forwarded; past it, they are dropped. */
  forwardMaxBytes: 64 * MIB,
  /** Attempts to forward one request, and how long each may take. */
  forwardMaxAttempts: 3,
  forwardTimeoutMillis: 10_000,
  /** An analysis pass waits this long for what was accepted to reach storage. */
  drainBeforePassMillis: 60_000,
  /** Usage is metered this often from the spans stored since (budgets read it). */
  meterIntervalMillis: 5_000,
} as const;

/** What a caller may set; every field optional, numbers as numbers or as the text of a flag. */
export interface CollectorOptions {
  host?: string;
  port?: number | string;
  /** Require an API key even on loopback before any key exists. @default beyond loopback */
  requireApiKey?: boolean;
  storage?: StoreOptions;
  /** The write-ahead log's folder. @default the data directory's name with `-wal` */
  wal?: string;
  walMaxBytes?: number | string;
  maxBodyBytes?: number | string;
  maxRequestSpans?: number | string;
  maxAttributeChars?: number | string;
  ingestThreads?: number | string;
  analyzeIntervalSeconds?: number | string;
  /** A run without an outcome is complete after this long idle; wins over `analyzer.idleMillis`. */
  idleSeconds?: number | string;
  /** Keep raw spans and late outcomes this long after arrival; wins over `storage.retention`. */
  retentionSpansDays?: number | string;
  /** Keep findings, per-run analyses and passes this long. */
  retentionFindingsDays?: number | string;
  /** Thresholds, as read from `--analyzer-config`. */
  analyzer?: AnalyzerOptions;
  /** Prices over the shipped list. @default the shipped list */
  prices?: PriceTable;
  /** Send what is accepted on to another OTLP/HTTP endpoint, unchanged. @default none */
  forwardTo?: string;
  /** Headers for the forward target, as `name=value` (its credentials). */
  forwardHeaders?: readonly string[];
  /** Also send each finding, as a span with a `gen_ai.evaluation.result` event. @default false */
  forwardFindings?: boolean;
  forwardMaxBytes?: number | string;
  /** POST budget alerts (soft and hard limits passed) here. @default none */
  budgetWebhook?: string;
  /** Signs each alert (HMAC-SHA256). @default LEANTRACE_BUDGET_WEBHOOK_SECRET */
  budgetWebhookSecret?: string;
  /** Finer settings, for tests and benchmarks; see COLLECTOR_DEFAULTS. */
  tuning?: Partial<Record<TuningKey, number>>;
}

type TuningKey =
  | "maxInFlightBytes"
  | "inFlightWaitMillis"
  | "requestTimeoutMillis"
  | "shutdownGraceMillis"
  | "shutdownLoadMillis"
  | "walSegmentBytes"
  | "loaderBatchBytes"
  | "loaderLingerMillis"
  | "loaderMaxBackoffMillis"
  | "readAfterWriteMillis"
  | "drainBeforePassMillis"
  | "forwardMaxAttempts"
  | "forwardTimeoutMillis"
  | "meterIntervalMillis";

export interface CollectorConfig {
  host: string;
  port: number;
  requireApiKey: boolean;
  storage: StoreConfig;
  wal: { dir: string; maxBytes: number; segmentBytes: number };
  loader: { maxBatchBytes: number; lingerMillis: number; maxBackoffMillis: number };
  http: {
    maxBodyBytes: number;
    maxRequestSpans: number;
    maxAttributeChars: number;
    maxInFlightBytes: number;
    inFlightWaitMillis: number;
    requestTimeoutMillis: number;
    readAfterWriteMillis: number;
  };
  ingestThreads: number;
  shutdown: { graceMillis: number; loadMillis: number };
  analysis: { config: AnalyzerConfig; intervalMillis: number; drainMillis: number };
  budgets: { meterIntervalMillis: number; webhook: { url: string; secret: string | undefined } | undefined };
  prices: PriceTable;
  forward:
    | {
        url: string;
        headers: Record<string, string>;
        findings: boolean;
        maxQueueBytes: number;
        maxAttempts: number;
        timeoutMillis: number;
      }
    | undefined;
}

/** A setting that cannot be used; the message names the flag and what would do. */
export class CollectorConfigError extends Error {
  override readonly name = "CollectorConfigError";
}

/** Only a caller on this machine can reach a loopback address. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function whole(
  flag: string,
  value: number | string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = typeof value === "number" ? value : value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CollectorConfigError(
      `${flag} ${JSON.stringify(String(value))} is not valid: expected a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

export function resolveCollectorConfig(
  options: CollectorOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): CollectorConfig {
  const d = COLLECTOR_DEFAULTS;
  const host = options.host ?? d.host;
  let storage: StoreConfig;
  const retention = {
    ...options.storage?.retention,
    ...(options.retentionSpansDays === undefined
      ? {}
      : { spansDays: whole("--retention-spans-days", options.retentionSpansDays, 0, 1, 36_500) }),
    ...(options.retentionFindingsDays === undefined
      ? {}
      : { findingsDays: whole("--retention-findings-days", options.retentionFindingsDays, 0, 1, 36_500) }),
  };
  try {
    storage = resolveStoreConfig({ ...options.storage, retention }, env);
  } catch (error) {
    throw new CollectorConfigError((error as Error).message);
  }
  const tuning = (key: TuningKey) => whole(key, options.tuning?.[key], d[key], 0, Number.MAX_SAFE_INTEGER);
  const idleSeconds =
    options.idleSeconds === undefined
      ? undefined
      : whole("--idle-seconds", options.idleSeconds, 0, 0, 30 * 86_400);
  const analyzer = resolveAnalyzerConfig({
    ...options.analyzer,
    // An explicit --idle-seconds wins over the analyzer file's idleMillis.
    ...(idleSeconds === undefined ? {} : { idleMillis: idleSeconds * 1000 }),
  });
  return {
    host,
    port: whole("--port", options.port, d.port, 0, 65_535),
    requireApiKey: options.requireApiKey ?? !isLoopback(host),
    storage,
    wal: {
      dir:
        options.wal ??
        `${storage.engine === "embedded" ? storage.dataDir.replace(/[\\/]+$/, "") : "./leantrace"}-wal`,
      maxBytes: whole("--wal-max-bytes", options.walMaxBytes, d.walMaxBytes, MIB, 2 ** 50),
      segmentBytes: tuning("walSegmentBytes"),
    },
    loader: {
      maxBatchBytes: tuning("loaderBatchBytes"),
      lingerMillis: tuning("loaderLingerMillis"),
      maxBackoffMillis: tuning("loaderMaxBackoffMillis"),
    },
    http: {
      maxBodyBytes: whole("--max-body-bytes", options.maxBodyBytes, d.maxBodyBytes, 1024, 1024 ** 3),
      maxRequestSpans: whole(
        "--max-request-spans",
        options.maxRequestSpans,
        d.maxRequestSpans,
        1,
        10_000_000,
      ),
      maxAttributeChars: whole(
        "--max-attribute-chars",
        options.maxAttributeChars,
        d.maxAttributeChars,
        64,
        16 * MIB,
      ),
      maxInFlightBytes: tuning("maxInFlightBytes"),
      inFlightWaitMillis: tuning("inFlightWaitMillis"),
      requestTimeoutMillis: tuning("requestTimeoutMillis"),
      readAfterWriteMillis: tuning("readAfterWriteMillis"),
    },
    ingestThreads: whole("--ingest-threads", options.ingestThreads, d.ingestThreads, 0, 64),
    shutdown: { graceMillis: tuning("shutdownGraceMillis"), loadMillis: tuning("shutdownLoadMillis") },
    analysis: {
      config: analyzer,
      intervalMillis:
        whole(
          "--analyze-interval-seconds",
          options.analyzeIntervalSeconds,
          d.analyzeIntervalSeconds,
          0,
          86_400,
        ) * 1000,
      drainMillis: tuning("drainBeforePassMillis"),
    },
    prices: options.prices ?? loadPriceTable(),
    budgets: {
      meterIntervalMillis: tuning("meterIntervalMillis"),
      webhook: options.budgetWebhook === undefined ? undefined : budgetWebhook(options, env),
    },
    forward: options.forwardTo === undefined ? undefined : forwardConfig(options),
  };
}

function budgetWebhook(
  options: CollectorOptions,
  env: Record<string, string | undefined>,
): NonNullable<CollectorConfig["budgets"]["webhook"]> {
  const url = options.budgetWebhook as string;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw new CollectorConfigError(
      `--budget-webhook ${JSON.stringify(url)} is not an http: or https: URL, e.g. https://hooks.example/leantrace`,
    );
  }
  return { url, secret: options.budgetWebhookSecret ?? env.LEANTRACE_BUDGET_WEBHOOK_SECRET };
}

function forwardConfig(options: CollectorOptions): NonNullable<CollectorConfig["forward"]> {
  const url = options.forwardTo as string;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CollectorConfigError(
      `--forward-to ${JSON.stringify(url)} is not a URL, e.g. http://127.0.0.1:4319`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CollectorConfigError(`--forward-to ${JSON.stringify(url)} is not http: or https:`);
  }
  const headers: Record<string, string> = {};
  for (const header of options.forwardHeaders ?? []) {
    const at = header.indexOf("=");
    if (at <= 0) {
      throw new CollectorConfigError(
        `--forward-header ${JSON.stringify(header)} is not valid: expected name=value`,
      );
    }
    headers[header.slice(0, at).trim().toLowerCase()] = header.slice(at + 1).trim();
  }
  const d = COLLECTOR_DEFAULTS;
  return {
    url,
    headers,
    findings: options.forwardFindings ?? false,
    maxQueueBytes: whole("--forward-max-bytes", options.forwardMaxBytes, d.forwardMaxBytes, 1024, 2 ** 40),
    maxAttempts: whole(
      "forwardMaxAttempts",
      options.tuning?.forwardMaxAttempts,
      d.forwardMaxAttempts,
      1,
      100,
    ),
    timeoutMillis: whole(
      "forwardTimeoutMillis",
      options.tuning?.forwardTimeoutMillis,
      d.forwardTimeoutMillis,
      1,
      600_000,
    ),
  };
}
