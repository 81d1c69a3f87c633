export {
  type CollectorApp,
  type CollectorAppOptions,
  createCollectorApp,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_REQUEST_SPANS,
} from "./app.ts";
export { DEFAULT_INGEST_THREADS } from "./ingest/normaliser.ts";
export { type IngestResult, ingestOtlpFiles, OtlpFileError } from "./ingest/otlp-files.ts";
export { type Health, healthSchema, IngestPipeline, type PipelineOptions } from "./ingest/pipeline.ts";
export { DEFAULT_PROJECT, normaliseTraceRequest } from "./normalise/span-row.ts";
export { decodeTraceRequestJson } from "./otlp/decode-json.ts";
export { decodeTraceRequestProtobuf } from "./otlp/decode-protobuf.ts";
export { type AttributeInput, encodeTraceRequestJson, type SpanInput } from "./otlp/encode-json.ts";
export { type CollectorOptions, isLoopback, type RunningCollector, startCollector } from "./server.ts";
