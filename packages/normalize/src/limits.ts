// What one span may put in a row, applied to each request before it joins anything shared:
// text is valid Unicode (lone surrogates replaced) and cut at a character boundary with a
// marker, counts fit their columns. One client's odd values must never fail an insert, a
// log frame or a report that also carries another client's data.

/** Longest value of the typed columns (run id, workflow, model, tool name, ...). */
export const MAX_NAME_CHARS = 256;
/** Fingerprints are 16 hex characters; one given by a span is cut to this. */
export const MAX_FINGERPRINT_CHARS = 64;
/** Most retrieved document ids, and most input-message fingerprints, kept per span. */
export const MAX_LIST_ITEMS = 4096;
/**
 * The largest token count or size a span may report; larger ones are clamped (and said so in
 * the answer's partial success). A quadrillion tokens is far beyond any real call and far
 * below what the UInt64 columns and Float64 sums hold exactly enough.
 */
export const MAX_COUNT = 1e15;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * `text` as valid Unicode, at most `maxChars` UTF-16 units before the marker: a longer text is
 * cut, never inside a surrogate pair, and ends with `…[truncated N chars]`.
 */
export function boundedText(text: string, maxChars: number): string {
  const valid = text.isWellFormed() ? text : text.toWellFormed();
  if (valid.length <= maxChars) return valid;
  const cut = maxChars > 0 && isHighSurrogate(valid.charCodeAt(maxChars - 1)) ? maxChars - 1 : maxChars;
  return `${valid.slice(0, cut)}…[truncated ${valid.length - cut} chars]`;
}

/** A count as its column holds it: a whole number from 0 to `MAX_COUNT`. */
export function boundedCount(n: number): number {
  if (!Number.isFinite(n) || n <= 0) return n === Number.POSITIVE_INFINITY ? MAX_COUNT : 0;
  return n >= MAX_COUNT ? MAX_COUNT : Math.round(n);
}

/** At most `MAX_LIST_ITEMS` strings, each bounded. */
export function boundedList(items: readonly string[], maxChars: number): string[] {
  const kept = items.length > MAX_LIST_ITEMS ? items.slice(0, MAX_LIST_ITEMS) : items;
  return kept.map((item) => boundedText(item, maxChars));
}
