// DateTime64(9) as text ClickHouse always parses ("2023-11-14 22:13:20.123456789"). Bare
// integers are ambiguous to its JSON parser (short ones are refused), and a bad timestamp
// from one client must never fail the insert of a whole batch, so values are also clamped to
// the type's range.

const MAX_NANOS = 2n ** 63n - 1n;
const NANOS_PER_SECOND = 1_000_000_000n;
const EPOCH = "1970-01-01 00:00:00.000000000";

// The last second formatted: a request's spans mostly share their seconds, and formatting a
// date is the costly part (three timestamps a span).
let cachedStart = -1n;
let cachedEnd = -1n;
let cachedText = "";

export function dateTime64Text(nanos: bigint): string {
  if (nanos <= 0n) return EPOCH;
  const clamped = nanos > MAX_NANOS ? MAX_NANOS : nanos;
  if (clamped < cachedStart || clamped >= cachedEnd) {
    const second = clamped / NANOS_PER_SECOND;
    const iso = new Date(Number(second) * 1000).toISOString(); // 2023-11-14T22:13:20.000Z
    cachedText = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.`;
    cachedStart = second * NANOS_PER_SECOND;
    cachedEnd = cachedStart + NANOS_PER_SECOND;
  }
  // 1e9 + the fraction, without its leading 1: nine digits, zeros in front.
  return cachedText + String(1e9 + Number(clamped - cachedStart)).slice(1);
}

/** Milliseconds since the epoch as DateTime64(3) text ("2023-11-14 22:13:20.123"), UTC. */
export function millisText(millis: number): string {
  return new Date(millis).toISOString().replace("T", " ").replace("Z", "");
}

/** DateTime64 text as ClickHouse writes it (UTC, space between date and time), in milliseconds. */
export function parseMillisText(text: string): number {
  return Date.parse(`${text.replace(" ", "T")}Z`);
}
