import { describe, expect, it } from "vitest";
import { monthWindow, periodRange } from "./periods.ts";

const at = (iso: string) => Date.parse(iso);

describe("budget periods, in UTC", () => {
  it("a day, an ISO week from Monday, a calendar month", () => {
    // 2026-12-06 is a Sunday: its week began on Monday 2026-11-30.
    expect(periodRange("day", at("2026-12-06T23:59:59.999Z"))).toEqual({
      start: "2026-12-06",
      end: "2026-12-06",
    });
    expect(periodRange("week", at("2026-12-06T23:59:59.999Z"))).toEqual({
      start: "2026-11-30",
      end: "2026-12-06",
    });
    expect(periodRange("week", at("2026-12-07T00:00:00Z"))).toEqual({
      start: "2026-12-07",
      end: "2026-12-13",
    });
    expect(periodRange("month", at("2028-02-29T12:00:00Z"))).toEqual({
      start: "2028-02-01",
      end: "2028-02-29",
    });
    expect(periodRange("month", at("2026-12-31T23:59:59Z"))).toEqual({
      start: "2026-12-01",
      end: "2026-12-31",
    });
  });

  it("a month given as YYYY-MM is [its first instant, the next month's)", () => {
    expect(monthWindow("2026-12")).toEqual({
      since: "2026-12-01T00:00:00.000Z",
      until: "2027-01-01T00:00:00.000Z",
    });
    expect(monthWindow("2026-13")).toBeUndefined();
    expect(monthWindow("26-01")).toBeUndefined();
  });
});
