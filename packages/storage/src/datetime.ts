// DateTime64(9) as text ClickHouse always parses ("2023-11-14 22:13:20.123456789"). Bare
// integers are ambiguous to its JSON parser (short ones are refused), and a bad timestamp
// from one client must never fail the insert of a whole batch, so values are also clamped to
// the type's range.

const MAX_NANOS = 2n ** 63n - 1n;
const NANOS_PER_MILLI = 1_000_000n;
const NANOS_PER_SECOND = 1_000_000_000n;

export function dateTime64Text(nanos: bigint): string {
  const clamped = nanos < 0n ? 0n : nanos > MAX_NANOS ? MAX_NANOS : nanos;
  const iso = new Date(Number(clamped / NANOS_PER_MILLI)).toISOString(); // 2023-11-14T22:13:20.123Z
  const fraction = (clamped % NANOS_PER_SECOND).toString().padStart(9, "0");
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}
