import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";
import { timeWindowSchema, windowParams } from "./time-window.ts";

export const runListFilterSchema = timeWindowSchema.extend({
  workflow: z.string().max(1000).optional(),
  /** `wasted`: the most wasteful first; `recent` (default): the latest first. */
  order: z.enum(["wasted", "recent"]).optional(),
  /** @default 100 */
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});
export type RunListFilter = z.infer<typeof runListFilterSchema>;

export const runListSchema = z.object({
  runs: z.array(
    z.object({
      runId: z.string(),
      workflow: z.string(),
      outcome: z.string(),
      caseId: z.string(),
      version: z.string(),
      tokens: z.number(),
      cost: z.number().nullable(),
      startedAt: z.string(),
      durationMs: z.number(),
      /** Null while the run waits for its first analysis. */
      wastedTokens: z.number().nullable(),
      findings: z.number().int(),
    }),
  ),
});
export type RunList = z.infer<typeof runListSchema>;

const RUN_LIST_SQL = sqlFiles(new URL("../sql/", import.meta.url))("run-list");

export async function listRuns(store: Store, project: string, filter: RunListFilter = {}): Promise<RunList> {
  const rows = await store.select(RUN_LIST_SQL, {
    project,
    workflow: filter.workflow ?? "",
    order: filter.order ?? "recent",
    limit: filter.limit ?? 100,
    ...windowParams(filter),
  });
  return runListSchema.parse({ runs: rows });
}
