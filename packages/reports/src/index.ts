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
  listFindings,
  summariseFindings,
} from "./findings.ts";
export { formatFindings, formatFindingsSummary, formatWorkflowReport } from "./format.ts";
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
