export { type CollectorApp, type CollectorAppOptions, createCollectorApp } from "./app.ts";
export { Batcher, type BatcherOptions } from "./ingest/batcher.ts";
export { type IngestResult, ingestOtlpFiles, OtlpFileError } from "./ingest/otlp-files.ts";
export { Spool, type SpoolOptions } from "./ingest/spool.ts";
export { DEFAULT_PROJECT, normaliseTraceRequest } from "./normalise/span-row.ts";
export { decodeTraceRequestJson } from "./otlp/decode-json.ts";
export { decodeTraceRequestProtobuf } from "./otlp/decode-protobuf.ts";
export { type AttributeInput, encodeTraceRequestJson, type SpanInput } from "./otlp/encode-json.ts";
export { type CollectorOptions, isLoopback, type RunningCollector, startCollector } from "./server.ts";
