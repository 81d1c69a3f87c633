import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";
import { timeWindowSchema, windowParams } from "./time-window.ts";

export const timeSeriesFilterSchema = timeWindowSchema.extend({
  workflow: z.string().max(1000).optional(),
  /** `day` (default) or `hour`. */
  bucket: z.enum(["day", "hour"]).optional(),
});
export type TimeSeriesFilter = z.infer<typeof timeSeriesFilterSchema>;

export const timeSeriesPointSchema = z.object({
  workflow: z.string(),
  /** The UTC day the runs started, YYYY-MM-DD (by hour: YYYY-MM-DDTHH:00Z). */
  day: z.string(),
  runs: z.number().int(),
  successes: z.number().int(),
  totalTokens: z.number(),
  tokensPerSuccess: z.number().nullable(),
  totalCost: z.number().nullable(),
});
export const timeSeriesSchema = z.object({ points: z.array(timeSeriesPointSchema) });
export type TimeSeries = z.infer<typeof timeSeriesSchema>;

const TIME_SERIES_SQL = sqlFiles(new URL("../sql/", import.meta.url))("time-series");

/** Per workflow and UTC day: runs, successes, tokens per success and cost. */
export async function timeSeries(
  store: Store,
  project: string,
  filter: TimeSeriesFilter = {},
): Promise<TimeSeries> {
  const rows = await store.select(TIME_SERIES_SQL, {
    project,
    workflow: filter.workflow ?? "",
    bucket: filter.bucket ?? "day",
    ...windowParams(filter),
  });
  return { points: z.array(timeSeriesPointSchema).parse(rows) };
}
