// Budget periods in UTC: a day, an ISO week (from Monday), a calendar month. Usage counts by the
// UTC day its span started, so a period is a range of days.

export const PERIODS = ["day", "week", "month"] as const;
export type Period = (typeof PERIODS)[number];

const DAY = 86_400_000;

const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);

/** The first and last UTC day (YYYY-MM-DD, both included) of the period holding `at`. */
export function periodRange(period: Period, at: number): { start: string; end: string } {
  const date = new Date(at);
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  const d = date.getUTCDate();
  if (period === "day") return { start: isoDay(Date.UTC(y, m, d)), end: isoDay(Date.UTC(y, m, d)) };
  if (period === "week") {
    const sinceMonday = (date.getUTCDay() + 6) % 7;
    const monday = Date.UTC(y, m, d) - sinceMonday * DAY;
    return { start: isoDay(monday), end: isoDay(monday + 6 * DAY) };
  }
  return { start: isoDay(Date.UTC(y, m, 1)), end: isoDay(Date.UTC(y, m + 1, 0)) };
}

/** `YYYY-MM` as the instants [first day 00:00, next month's first day 00:00) in UTC. */
export function monthWindow(month: string): { since: string; until: string } | undefined {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (match === null) return undefined;
  const y = Number(match[1]);
  const m = Number(match[2]) - 1;
  return {
    since: new Date(Date.UTC(y, m, 1)).toISOString(),
    until: new Date(Date.UTC(y, m + 1, 1)).toISOString(),
  };
}
