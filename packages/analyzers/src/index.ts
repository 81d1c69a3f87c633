export {
  type AnalyzerConfig,
  type AnalyzerOptions,
  analyzerOptionsSchema,
  DEFAULT_READ_TOOLS,
  resolveAnalyzerConfig,
} from "./config.ts";
export { type PassOptions, type PassResult, runAnalysisPass } from "./pass.ts";
export { AnalysisScheduler, type SchedulerOptions } from "./scheduler.ts";
