import type { Store } from "@leantrace/storage";
import { z } from "zod";
import { loadSql } from "./sql.ts";

export const workflowReportRowSchema = z.object({
  workflow: z.string(),
  runs: z.number().int(),
  successes: z.number().int(),
  failures: z.number().int(),
  totalTokens: z.number(),
  /** All tokens of all runs divided by successful runs; null when there is none. */
  tokensPerSuccess: z.number().nullable(),
});

export const workflowReportSchema = z.object({ workflows: z.array(workflowReportRowSchema) });

export type WorkflowReportRow = z.infer<typeof workflowReportRowSchema>;
export type WorkflowReport = z.infer<typeof workflowReportSchema>;

export const reportFilterSchema = z.object({
  workflow: z.string().max(1000).optional(),
});
export type ReportFilter = z.infer<typeof reportFilterSchema>;

const WORKFLOW_REPORT_SQL = loadSql("workflow-report");

export async function workflowReport(store: Store, filter: ReportFilter = {}): Promise<WorkflowReport> {
  const rows = await store.select<unknown>(WORKFLOW_REPORT_SQL, { workflow: filter.workflow ?? "" });
  return workflowReportSchema.parse({ workflows: rows });
}
