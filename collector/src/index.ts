export {
  type CollectorApp,
  type CollectorAppOptions,
  createCollectorApp,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_REQUEST_SPANS,
} from "./app.ts";
export { DEFAULT_INGEST_THREADS } from "./ingest/normalizer.ts";
export { type Health, healthSchema, IngestPipeline, type PipelineOptions } from "./ingest/pipeline.ts";
export { type CollectorOptions, isLoopback, type RunningCollector, startCollector } from "./server.ts";
