export { formatWorkflowReport } from "./format.ts";
export {
  type ReportFilter,
  reportFilterSchema,
  type WorkflowReport,
  type WorkflowReportRow,
  workflowReport,
  workflowReportRowSchema,
  workflowReportSchema,
} from "./workflow-report.ts";
