import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";
import { timeWindowSchema, windowParams } from "./time-window.ts";

const figuresSchema = z.object({
  runs: z.number().int(),
  successes: z.number().int(),
  failures: z.number().int(),
  totalTokens: z.number(),
  /** All tokens of all runs divided by successful runs; null when there is none. */
  tokensPerSuccess: z.number().nullable(),
  /** Tokens the certain findings say were wasted, each span counted once per run. */
  wastedTokens: z.number(),
  /** wastedTokens / totalTokens; null when there are no tokens. */
  wastedShare: z.number().nullable(),
  /**
   * What other LLM calls paid to carry the wasted steps' messages in their prompts (context
   * carried forward); never a token also counted in wastedTokens.
   */
  carriedTokens: z.number(),
  /** carriedTokens / totalTokens; null when there are no tokens. */
  carriedShare: z.number().nullable(),
  /** Whether some runs recorded no per-message input fingerprints, so their carried tokens are estimated. */
  carriedEstimated: z.union([z.boolean(), z.number()]).transform(Boolean).pipe(z.boolean()),
  /** US dollars over the steps with a known price; null when none has one. */
  totalCost: z.number().nullable(),
  costPerSuccess: z.number().nullable(),
});

export const versionFiguresSchema = figuresSchema.extend({ version: z.string() });
export const outcomeFiguresSchema = figuresSchema.extend({ outcome: z.string() });

export const workflowReportRowSchema = figuresSchema.extend({
  workflow: z.string(),
  /** Findings per kind (suggestions included). */
  findings: z.object({ loop: z.number(), repeated_retrieval: z.number(), extraneous: z.number() }),
  /** Runs the analyzers have looked at; waste figures cover only these. */
  analyzedRuns: z.number().int(),
  /** The same figures per `service.version` ("" when none was set). */
  versions: z.array(versionFiguresSchema),
  /** The same figures per outcome. */
  outcomes: z.array(outcomeFiguresSchema),
});

export const workflowReportSchema = z.object({ workflows: z.array(workflowReportRowSchema) });

export type WorkflowReportRow = z.infer<typeof workflowReportRowSchema>;
export type WorkflowReport = z.infer<typeof workflowReportSchema>;

export const reportFilterSchema = timeWindowSchema.extend({
  workflow: z.string().max(1000).optional(),
});
export type ReportFilter = z.infer<typeof reportFilterSchema>;

const WORKFLOW_REPORT_SQL = sqlFiles(new URL("../sql/", import.meta.url))("workflow-report");

const rowSchema = figuresSchema.extend({
  workflow: z.string(),
  byVersion: z.union([z.boolean(), z.number()]).transform(Boolean).pipe(z.boolean()),
  byOutcome: z.union([z.boolean(), z.number()]).transform(Boolean).pipe(z.boolean()),
  version: z.string(),
  outcome: z.string(),
  loopFindings: z.number(),
  repeatedRetrievalFindings: z.number(),
  extraneousFindings: z.number(),
  analyzedRuns: z.number(),
});
type Row = z.infer<typeof rowSchema>;

function figures(row: Row): z.infer<typeof figuresSchema> {
  const { runs, successes, failures, totalTokens, tokensPerSuccess, wastedTokens, wastedShare } = row;
  return {
    runs,
    successes,
    failures,
    totalTokens,
    tokensPerSuccess,
    wastedTokens,
    wastedShare,
    carriedTokens: row.carriedTokens,
    carriedShare: row.carriedShare,
    carriedEstimated: row.carriedEstimated,
    totalCost: row.totalCost,
    costPerSuccess: row.costPerSuccess,
  };
}

/** One query with grouping sets gives the workflow, per-version and per-outcome rows. */
export async function workflowReport(
  store: Store,
  project: string,
  filter: ReportFilter = {},
): Promise<WorkflowReport> {
  const rows = z.array(rowSchema).parse(
    await store.select(WORKFLOW_REPORT_SQL, {
      project,
      workflow: filter.workflow ?? "",
      ...windowParams(filter),
    }),
  );
  const workflows = new Map<string, WorkflowReportRow>();
  for (const row of rows.filter((r) => !r.byVersion && !r.byOutcome)) {
    workflows.set(row.workflow, {
      workflow: row.workflow,
      ...figures(row),
      findings: {
        loop: row.loopFindings,
        repeated_retrieval: row.repeatedRetrievalFindings,
        extraneous: row.extraneousFindings,
      },
      analyzedRuns: row.analyzedRuns,
      versions: [],
      outcomes: [],
    });
  }
  for (const row of rows) {
    const workflow = workflows.get(row.workflow);
    if (workflow === undefined) continue;
    if (row.byVersion) workflow.versions.push({ version: row.version, ...figures(row) });
    if (row.byOutcome) workflow.outcomes.push({ outcome: row.outcome, ...figures(row) });
  }
  return { workflows: [...workflows.values()] };
}
