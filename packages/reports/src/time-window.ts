// A time window of a report or listing: ISO 8601 instants within what ClickHouse's DateTime64
// columns hold, so that a filter out of range is a 400 with a sentence, not a query error. A
// bound may also be relative to now (`7d`, `24h`, `30m`, `2w`): a shared link to "the last
// week" keeps meaning the last week.
import { z } from "zod";

/** The instants DateTime64(9) can hold: from the epoch to 2262-04-11. */
export const EARLIEST = "1970-01-01T00:00:00Z";
export const LATEST = "2262-04-11T00:00:00Z";

const inRange = (at: number) => at >= Date.parse(EARLIEST) && at <= Date.parse(LATEST);

export const instantSchema = z.iso
  .datetime({ offset: true })
  .refine((text) => inRange(Date.parse(text)), `expected a time from ${EARLIEST} to ${LATEST}`);

const UNIT_MILLIS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const RELATIVE = /^(\d{1,6})([mhdw])$/;

/** `7d` as the instant that long before `now`; undefined when `text` is no such duration. */
export function relativeInstant(text: string, now: number = Date.now()): string | undefined {
  const match = RELATIVE.exec(text);
  if (match === null) return undefined;
  const at = now - Number(match[1]) * (UNIT_MILLIS[match[2] as string] as number);
  return new Date(Math.max(at, 0)).toISOString();
}

/** A bound as given: an ISO 8601 instant, or a duration before now. Becomes an ISO instant. */
export const boundSchema = z
  .string()
  .max(64)
  .transform((text, ctx) => {
    const relative = relativeInstant(text.trim());
    if (relative !== undefined) return relative;
    const checked = instantSchema.safeParse(text.trim());
    if (checked.success) return checked.data;
    ctx.addIssue({
      code: "custom",
      message: `expected an ISO 8601 time (2026-11-01T00:00:00Z) or a duration before now (30m, 24h, 7d, 2w), from ${EARLIEST} to ${LATEST}`,
    });
    return z.NEVER;
  });

/** Runs that started in [since, until). */
export const timeWindowSchema = z.object({
  since: boundSchema.optional(),
  until: boundSchema.optional(),
});
export type TimeWindow = z.infer<typeof timeWindowSchema>;

/** The window as query parameters; `windowed` is 0 when neither bound was given. */
export function windowParams(window: TimeWindow): { since: string; until: string; windowed: number } {
  return {
    since: window.since ?? EARLIEST,
    until: window.until ?? LATEST,
    windowed: window.since === undefined && window.until === undefined ? 0 : 1,
  };
}
