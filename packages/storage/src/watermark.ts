// How far a table derived from the spans (metered usage, run summaries) may move its watermark
// over `ingested_at`: rows of an insert carry times from about its start but are seen only once
// it ends, so a reader that moved past the newest time it saw could miss them for good.
import type { Store } from "./store.ts";

/** Behind the newest time seen when other processes may write (a ClickHouse server). */
export const WATERMARK_MARGIN_MILLIS = 10_000;
/** Before the oldest of this process's own writes under way, for the clock's granularity. */
const IN_FLIGHT_SLACK_MILLIS = 1_000;

/**
 * The time up to which the rows seen are complete: the newest time seen when this store is the
 * only writer, a margin before it otherwise, and in either case before the oldest of the store's
 * own writes under way. `inFlightSince` is `store.oldestWriteInFlight()` taken after the newest
 * time was read and before the derived rows are: a write that ends in between is in them.
 */
export function watermarkUntil(
  store: Pick<Store, "soleWriter">,
  newestMillis: number,
  inFlightSince: number | undefined,
): number {
  const seen = store.soleWriter ? newestMillis : newestMillis - WATERMARK_MARGIN_MILLIS;
  return inFlightSince === undefined ? seen : Math.min(seen, inFlightSince - IN_FLIGHT_SLACK_MILLIS);
}
