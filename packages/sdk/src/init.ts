// The heavy half of the SDK: an OpenTelemetry NodeSDK exporting spans over OTLP/HTTP.
// Kept apart from the wrappers so that a library can use them with only @opentelemetry/api.

import {
  ATTR_LEANTRACE_CI_RUN_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from "@leantrace/conventions/attributes";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import {
  envDetector,
  hostDetector,
  processDetector,
  type ResourceDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { OtlpJsonFileExporter } from "./file-exporter.ts";
import { configure } from "./settings.ts";

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
   * Spans held while waiting for export; past it new spans are dropped. Larger than the
   * OpenTelemetry default (2048): an agent suite running fast produces bursts.
   * @default 32768
   */
  maxQueueSize?: number;
}

/** What `init()` started: flush before the process ends, or shut it down. */
export interface LeantraceSdk {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const DEFAULT_ENDPOINT = "http://127.0.0.1:4318";
const DEFAULT_SERVICE_NAME = "agent";

function tracesUrl(endpoint: string | undefined): string | undefined {
  if (endpoint !== undefined) return `${endpoint.replace(/\/+$/, "")}/v1/traces`;
  // The exporter reads the OTEL_* endpoint variables itself.
  if (process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    return undefined;
  }
  return `${DEFAULT_ENDPOINT}/v1/traces`;
}

function createExporter(options: InitOptions): SpanExporter {
  const exportTo = options.exportTo ?? process.env.LEANTRACE_EXPORT_TO ?? "http";
  if (exportTo.startsWith("file:")) {
    const dir = exportTo.slice("file:".length);
    if (dir === "") throw new Error('exportTo "file:" needs a folder, e.g. "file:./leantrace-spans"');
    return new OtlpJsonFileExporter(dir);
  }
  if (exportTo !== "http") {
    throw new Error(`exportTo ${JSON.stringify(exportTo)} is not valid: expected "http" or "file:DIR"`);
  }
  const url = tracesUrl(options.endpoint);
  return new OTLPTraceExporter({
    ...(url === undefined ? {} : { url }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
}

/** Starts exporting the wrappers' spans. Call once, early; `shutdown()` flushes at the end. */
export function init(options: InitOptions = {}): LeantraceSdk {
  if (options.captureContent !== undefined) configure({ captureContent: options.captureContent });
  if (options.redact !== undefined) configure({ redact: options.redact });
  const exporter = createExporter(options);
  const processor = new BatchSpanProcessor(exporter, {
    scheduledDelayMillis: options.exportDelayMillis ?? 1000,
    maxQueueSize: options.maxQueueSize ?? 32_768,
    maxExportBatchSize: 2048,
  });
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
  return {
    forceFlush: () => processor.forceFlush(),
    shutdown: () => sdk.shutdown(),
  };
}
