import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";
import { timeWindowSchema, windowParams } from "./time-window.ts";

/**
 * What a report can be broken down by: a step's model, kind, team or application, or its run's
 * workflow, version, case or user.
 */
export const BREAKDOWNS = ["model", "kind", "version", "team", "case", "app", "workflow", "user"] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export const breakdownFilterSchema = timeWindowSchema.extend({
  by: z.enum(BREAKDOWNS),
  workflow: z.string().max(1000).optional(),
});
export type BreakdownFilter = z.infer<typeof breakdownFilterSchema>;

export const breakdownRowSchema = z.object({
  /** The model, kind, team, application, workflow, version, case or user ("" when the steps did not say). */
  key: z.string(),
  runs: z.number().int(),
  successes: z.number().int(),
  totalTokens: z.number(),
  tokensPerSuccess: z.number().nullable(),
  wastedTokens: z.number(),
  /** What the wasted tokens cost; null when none of the group's steps has a price. */
  wastedCost: z.number().nullable(),
  totalCost: z.number().nullable(),
});
export const breakdownSchema = z.object({ by: z.enum(BREAKDOWNS), rows: z.array(breakdownRowSchema) });
export type BreakdownReport = z.infer<typeof breakdownSchema>;

const BREAKDOWN_SQL = sqlFiles(new URL("../sql/", import.meta.url))("breakdown");

/** The selected runs' tokens, successes, waste and cost per group, largest first. */
export async function breakdown(
  store: Store,
  project: string,
  filter: BreakdownFilter,
): Promise<BreakdownReport> {
  const rows = await store.select(BREAKDOWN_SQL, {
    project,
    by: filter.by,
    workflow: filter.workflow ?? "",
    ...windowParams(filter),
  });
  return { by: filter.by, rows: z.array(breakdownRowSchema).parse(rows) };
}
