import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";
import { timeWindowSchema, windowParams } from "./time-window.ts";

export const runTotalsFilterSchema = timeWindowSchema.extend({
  ciRunId: z.string().max(256).optional(),
  version: z.string().max(256).optional(),
  workflow: z.string().max(1000).optional(),
});
export type RunTotalsFilter = z.infer<typeof runTotalsFilterSchema>;

export const runTotalsSchema = z.object({
  runs: z.array(
    z.object({
      runId: z.string(),
      workflow: z.string(),
      outcome: z.string(),
      caseId: z.string(),
      tokens: z.number(),
      cost: z.number().nullable(),
      version: z.string(),
      ciRunId: z.string(),
    }),
  ),
});
export type RunTotals = z.infer<typeof runTotalsSchema>;

const RUN_TOTALS_SQL = sqlFiles(new URL("../sql/", import.meta.url))("run-totals");

/** Per-run totals of the selected runs: what `leantrace baseline save` and `check` compare. */
export async function runTotals(
  store: Store,
  project: string,
  filter: RunTotalsFilter = {},
): Promise<RunTotals> {
  const rows = await store.select(RUN_TOTALS_SQL, {
    project,
    ci_run_id: filter.ciRunId ?? "",
    version: filter.version ?? "",
    workflow: filter.workflow ?? "",
    ...windowParams(filter),
  });
  return runTotalsSchema.parse({ runs: rows });
}
