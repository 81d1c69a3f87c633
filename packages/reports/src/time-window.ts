// A time window of a report or listing: ISO 8601 instants within what ClickHouse's DateTime64
// columns hold, so that a filter out of range is a 400 with a sentence, not a query error.
import { z } from "zod";

/** The instants DateTime64(9) can hold: from the epoch to 2262-04-11. */
export const EARLIEST = "1970-01-01T00:00:00Z";
export const LATEST = "2262-04-11T00:00:00Z";

export const instantSchema = z.iso.datetime({ offset: true }).refine((text) => {
  const at = Date.parse(text);
  return at >= Date.parse(EARLIEST) && at <= Date.parse(LATEST);
}, `expected a time from ${EARLIEST} to ${LATEST}`);
