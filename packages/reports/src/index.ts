export {
  FINDING_KINDS,
  type Finding,
  type Findings,
  type FindingsFilter,
  findingSchema,
  findingsFilterSchema,
  findingsSchema,
  listFindings,
} from "./findings.ts";
export { formatFindings, formatWorkflowReport } from "./format.ts";
export {
  type RunTotals,
  type RunTotalsFilter,
  runTotals,
  runTotalsFilterSchema,
  runTotalsSchema,
} from "./run-totals.ts";
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
