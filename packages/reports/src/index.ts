export {
  BREAKDOWNS,
  type Breakdown,
  type BreakdownFilter,
  type BreakdownReport,
  breakdown,
  breakdownFilterSchema,
  breakdownRowSchema,
  breakdownSchema,
} from "./breakdown.ts";
export { type CsvCell, toCsv } from "./csv.ts";
export {
  DEFAULT_FINDINGS_LIMIT,
  FINDING_CONFIDENCES,
  FINDING_KINDS,
  type Finding,
  type Findings,
  type FindingsFilter,
  type FindingsQuery,
  type FindingsSummary,
  findingSchema,
  findingsFilterSchema,
  findingsSchema,
  findingsSummarySchema,
  findingWorkflows,
  listFindings,
  summariseFindings,
} from "./findings.ts";
export {
  breakdownCsv,
  findingsCsv,
  findingsSummaryCsv,
  formatBreakdown,
  formatCount,
  formatDollars,
  formatFindings,
  formatFindingsSummary,
  formatPercent,
  formatTable,
  formatUsage,
  formatWorkflowReport,
  usageCsv,
  workflowReportCsv,
} from "./format.ts";
export { type RunDetail, type RunStep, runDetail, runDetailSchema, runStepSchema } from "./run-detail.ts";
export {
  listRuns,
  type RunList,
  type RunListFilter,
  runListFilterSchema,
  runListSchema,
} from "./run-list.ts";
export { RunSummaries } from "./run-summaries.ts";
export {
  type RunTotals,
  type RunTotalsFilter,
  runTotals,
  runTotalsFilterSchema,
  runTotalsSchema,
} from "./run-totals.ts";
export {
  type TimeSeries,
  type TimeSeriesFilter,
  timeSeries,
  timeSeriesFilterSchema,
  timeSeriesSchema,
} from "./time-series.ts";
export { boundSchema, relativeInstant, type TimeWindow, timeWindowSchema } from "./time-window.ts";
export {
  outcomeFiguresSchema,
  type ReportFilter,
  reportFilterSchema,
  versionFiguresSchema,
  type WorkflowReport,
  type WorkflowReportRow,
  workflowReport,
  workflowReportRowSchema,
  workflowReportSchema,
} from "./workflow-report.ts";
