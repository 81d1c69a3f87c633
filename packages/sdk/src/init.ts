// The heavy half of the SDK: an OpenTelemetry NodeSDK exporting spans over OTLP/HTTP.
// Kept apart from the wrappers so that a library can use them with only @opentelemetry/api.

import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@leantrace/conventions/attributes";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
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
  /** @default `OTEL_SERVICE_NAME`, else `"agent"` */
  serviceName?: string;
  /** @default `OTEL_RESOURCE_ATTRIBUTES`' `service.version`, else none */
  serviceVersion?: string;
  /** Record prompts, completions and tool payloads, not only their fingerprints. @default false */
  captureContent?: boolean;
  /** How long a batch of spans may wait before it is exported. @default 1000 */
  exportDelayMillis?: number;
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

/** Starts exporting the wrappers' spans. Call once, early; `shutdown()` flushes at the end. */
export function init(options: InitOptions = {}): LeantraceSdk {
  if (options.captureContent !== undefined) configure({ captureContent: options.captureContent });
  const url = tracesUrl(options.endpoint);
  const exporter = new OTLPTraceExporter({
    ...(url === undefined ? {} : { url }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
  const processor = new BatchSpanProcessor(exporter, {
    scheduledDelayMillis: options.exportDelayMillis ?? 1000,
  });
  const resource: Record<string, string> = {};
  const serviceName = options.serviceName ?? process.env.OTEL_SERVICE_NAME;
  if (serviceName === undefined) resource[ATTR_SERVICE_NAME] = DEFAULT_SERVICE_NAME;
  else resource[ATTR_SERVICE_NAME] = serviceName;
  if (options.serviceVersion !== undefined) resource[ATTR_SERVICE_VERSION] = options.serviceVersion;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(resource),
    spanProcessors: [processor],
    instrumentations: [],
  });
  sdk.start();
  return {
    forceFlush: () => processor.forceFlush(),
    shutdown: () => sdk.shutdown(),
  };
}
