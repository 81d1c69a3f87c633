export {
  type Activity,
  activityLine,
  type CollectorApp,
  type CollectorAppSettings,
  createCollectorApp,
} from "./app.ts";
export {
  COLLECTOR_DEFAULTS,
  type CollectorConfig,
  CollectorConfigError,
  type CollectorOptions,
  isLoopback,
  resolveCollectorConfig,
} from "./config.ts";
export {
  type Health,
  healthSchema,
  IngestPipeline,
  type PipelineOptions,
  pipelineOptions,
} from "./ingest/pipeline.ts";
export { type RunningCollector, startCollector } from "./server.ts";
