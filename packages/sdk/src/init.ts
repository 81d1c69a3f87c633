// The heavy half of the SDK: an OpenTelemetry NodeSDK exporting spans over OTLP/HTTP.
// Kept apart from the wrappers so that a library can use them with only @opentelemetry/api.

import {
  ATTR_LEANTRACE_CI_RUN_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from "@leantrace/conventions/attributes";
import type { MeterProvider } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import {
  envDetector,
  hostDetector,
  processDetector,
  type ResourceDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor, type BufferConfig, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { CollectorWatch, DropReporter, GuardedExporter, queueDropCounter } from "./export-guard.ts";
import { OtlpJsonFileExporter } from "./file-exporter.ts";
import { configure } from "./settings.ts";
import { warn } from "./warnings.ts";

export interface InitOptions {
  /**
   * Base URL of the collector; spans go to `<endpoint>/v1/traces`.
   * @default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is), else `OTEL_EXPORTER_OTLP_ENDPOINT`,
   * else `http://127.0.0.1:4318`
   */
  endpoint?: string;
  /** Sent with every export, e.g. `{ authorization: "Bearer ..." }`. @default `OTEL_EXPORTER_OTLP_HEADERS` */
  headers?: Record<string, string>;
  /** @default `OTEL_SERVICE_NAME` or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `"agent"` */
  serviceName?: string;
  /** @default `service.version` in `OTEL_RESOURCE_ATTRIBUTES`, else none */
  serviceVersion?: string;
  /** Record prompts, completions and tool payloads, not only their fingerprints. @default false */
  captureContent?: boolean;
  /** With content capture: rewrites each captured value before it is recorded. @default none */
  redact?: (text: string, attribute: string) => string;
  /**
   * Where spans go: `"http"` (OTLP/HTTP to `endpoint`) or `"file:DIR"` (one OTLP/JSON file per
   * batch in DIR, for CI runs with no collector; read them with `leantrace check --from-otlp DIR`).
   * @default `LEANTRACE_EXPORT_TO`, else `"http"`
   */
  exportTo?: string;
  /** Marks every span of this process as part of one CI run (`leantrace.ci.run_id`). @default `LEANTRACE_CI_RUN_ID` */
  ciRunId?: string;
  /** How long a batch of spans may wait before it is exported. @default 1000 */
  exportDelayMillis?: number;
  /**
   * Spans held while waiting for export; past it new spans are dropped (counted and reported
   * like failed exports). Larger than the OpenTelemetry default (2048): an agent suite running
   * fast produces bursts.
   * @default 32768
   */
  maxQueueSize?: number;
  /**
   * The longest `shutdown()` and `forceFlush()` take, whatever the collector does (down,
   * refusing, never answering): then they resolve, and what was not sent is dropped and counted.
   * Each export's own deadline (OpenTelemetry's export timeout, 10 s or
   * `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, its retries included) is held to this less 250 ms, so
   * that an export under way when shutdown starts ends within it and holds the process no longer.
   * @default 5000
   */
  shutdownTimeoutMillis?: number;
}

/** What `init()` started: flush before the process ends, or shut it down. Neither ever rejects. */
export interface LeantraceSdk {
  /** Sends what has ended so far; resolves within `shutdownTimeoutMillis`. */
  forceFlush(): Promise<void>;
  /**
   * Sends what is left and stops; resolves within `shutdownTimeoutMillis`. Logs
   * `leantrace.sdk.dropped_spans=N` when spans were dropped.
   */
  shutdown(): Promise<void>;
  /** Spans dropped so far: exports that failed (after retries) and spans the full queue turned away. */
  droppedSpans(): number;
}

const DEFAULT_ENDPOINT = "http://127.0.0.1:4318";
const DEFAULT_SERVICE_NAME = "agent";
const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 5000;
/** OpenTelemetry's export timeout when none is set. */
const OTEL_EXPORT_TIMEOUT_MILLIS = 10_000;

function tracesUrl(endpoint: string | undefined): string | undefined {
  if (endpoint !== undefined) return `${endpoint.replace(/\/+$/, "")}/v1/traces`;
  // The exporter reads the OTEL_* endpoint variables itself.
  if (process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    return undefined;
  }
  return `${DEFAULT_ENDPOINT}/v1/traces`;
}

/** Where the exporter sends spans, as it works it out from the OTEL_* variables (for the warning). */
function destinationUrl(url: string | undefined): string {
  if (url !== undefined) return url;
  const traces = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (traces) return traces;
  const base = process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_ENDPOINT;
  return `${base.endsWith("/") ? base : `${base}/`}v1/traces`;
}

/**
 * The exporter's own timeout as OpenTelemetry reads it, held to the shutdown bound less a
 * margin: an export then ends on its own terms (answered, refused or timed out, retries
 * included) before shutdown has to give up on it.
 */
function exportTimeoutMillis(shutdownTimeoutMillis: number): number {
  const fromEnv = [process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, process.env.OTEL_EXPORTER_OTLP_TIMEOUT]
    .map((text) => (text === undefined || text.trim() === "" ? Number.NaN : Number(text)))
    .find((millis) => Number.isFinite(millis) && millis > 0);
  const margin = Math.min(250, shutdownTimeoutMillis / 4);
  return Math.min(fromEnv ?? OTEL_EXPORT_TIMEOUT_MILLIS, shutdownTimeoutMillis - margin);
}

interface Destination {
  exporter: SpanExporter;
  /** The URL or the folder, for the warning. */
  name: string;
  watch?: CollectorWatch;
  timeoutMillis?: number;
}

function createExporter(options: InitOptions, shutdownTimeoutMillis: number): Destination {
  const exportTo = options.exportTo ?? process.env.LEANTRACE_EXPORT_TO ?? "http";
  if (exportTo.startsWith("file:")) {
    const dir = exportTo.slice("file:".length);
    if (dir === "") throw new Error('exportTo "file:" needs a folder, e.g. "file:./leantrace-spans"');
    return { exporter: new OtlpJsonFileExporter(dir), name: dir };
  }
  if (exportTo !== "http") {
    throw new Error(`exportTo ${JSON.stringify(exportTo)} is not valid: expected "http" or "file:DIR"`);
  }
  const url = tracesUrl(options.endpoint);
  const name = destinationUrl(url);
  const timeoutMillis = exportTimeoutMillis(shutdownTimeoutMillis);
  const exporter = new OTLPTraceExporter({
    ...(url === undefined ? {} : { url }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    timeoutMillis,
  });
  return { exporter, name, watch: new CollectorWatch(name), timeoutMillis };
}

/** Resolves true when `promise` settles within `millis`, false when the time runs out first. */
async function within(promise: Promise<unknown>, millis: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), millis);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        (error: unknown) => {
          // Nothing the exporter does rejects any more; anything else is said, never thrown.
          warn(`leantrace: ${error instanceof Error ? error.message : String(error)}`);
          return true;
        },
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts exporting the wrappers' spans. Call once, early; `shutdown()` flushes at the end. Export
 * never hurts the agent: failed exports are retried as OpenTelemetry does, then dropped with a
 * warning (at most one line per 30 s, through the diag logger, or on stderr when none is set);
 * `forceFlush()` and `shutdown()` never reject and resolve within `shutdownTimeoutMillis`.
 */
export function init(options: InitOptions = {}): LeantraceSdk {
  const shutdownTimeoutMillis = options.shutdownTimeoutMillis ?? DEFAULT_SHUTDOWN_TIMEOUT_MILLIS;
  if (!Number.isFinite(shutdownTimeoutMillis) || shutdownTimeoutMillis <= 0) {
    throw new Error(
      `shutdownTimeoutMillis must be a positive number of milliseconds, not ${shutdownTimeoutMillis}`,
    );
  }
  if (options.captureContent !== undefined) configure({ captureContent: options.captureContent });
  if (options.redact !== undefined) configure({ redact: options.redact });
  const reporter = new DropReporter();
  const destination = createExporter(options, shutdownTimeoutMillis);
  const exporter = new GuardedExporter(
    destination.exporter,
    destination.name,
    reporter,
    destination.watch,
    destination.timeoutMillis,
  );
  const maxQueueSize = options.maxQueueSize ?? 32_768;
  const bufferConfig: BufferConfig & { selfObsMeterProvider: MeterProvider } = {
    scheduledDelayMillis: options.exportDelayMillis ?? 1000,
    maxQueueSize,
    maxExportBatchSize: Math.min(2048, maxQueueSize),
    // Passed through to the processor (an option its shim's type leaves out): see queueDropCounter.
    selfObsMeterProvider: queueDropCounter((count) =>
      reporter.drop(count, `did not fit in the export queue (maxQueueSize ${maxQueueSize})`),
    ),
  };
  const processor = new BatchSpanProcessor(exporter, bufferConfig);
  // Precedence, lowest first: our default name, the OTEL_* variables, the options.
  const ciRunId = options.ciRunId ?? process.env.LEANTRACE_CI_RUN_ID;
  const fromOptions: ResourceDetector = {
    detect: () => ({
      attributes: {
        ...(options.serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
        ...(ciRunId === undefined || ciRunId === "" ? {} : { [ATTR_LEANTRACE_CI_RUN_ID]: ciRunId }),
      },
    }),
  };
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME }),
    resourceDetectors: [envDetector, processDetector, hostDetector, fromOptions],
    ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
    spanProcessors: [processor],
    instrumentations: [],
  });
  sdk.start();

  let shutdown: Promise<void> | undefined;
  return {
    forceFlush: async () => {
      if (shutdown !== undefined) return shutdown;
      // The processor's flush sends what is queued; the exports it started earlier (on its timer)
      // may still be under way, and a flush is done only when they are too.
      await within(
        processor.forceFlush().then(() => exporter.settled()),
        shutdownTimeoutMillis,
      );
    },
    shutdown: () => {
      shutdown ??= (async () => {
        const finished = await within(sdk.shutdown(), shutdownTimeoutMillis);
        if (!finished) {
          exporter.abandon(
            `were still being exported when shutdown gave up after ${shutdownTimeoutMillis} ms`,
          );
          destination.watch?.abort();
        }
        destination.watch?.close();
        reporter.finish();
      })();
      return shutdown;
    },
    droppedSpans: () => reporter.dropped,
  };
}
