export { analyzeOtlpFiles, type SelectedRuns, topFindings } from "./analyze-files.ts";
export { type IngestResult, ingestOtlpFiles, OtlpFileError } from "./otlp-files.ts";
