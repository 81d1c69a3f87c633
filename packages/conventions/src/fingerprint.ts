// Fingerprints let the analyzers compare steps without storing their content: two tool calls
// with the same canonical arguments, or two retrievals with the same normalised query, get the
// same fingerprint. The SDK and the collector both use these functions, so a span fingerprinted
// by our SDK and one fingerprinted by the collector from another instrumentation's content agree.
import { createHash } from "node:crypto";
import { parseJsonText } from "./json-text.ts";

/** Hex characters kept of the SHA-256: 64 bits, collisions negligible within a workflow. */
const FINGERPRINT_HEX_LENGTH = 16;

export function fingerprint(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, FINGERPRINT_HEX_LENGTH);
}

/** Folds runs of white space and trims, so formatting differences do not split a fingerprint. */
export function normaliseText(text: string): string {
  return text.normalize("NFKC").replace(/\s+/g, " ").trim();
}

/** JSON with sorted keys and normalised strings: the same call always serialises alike. */
export function canonicalJson(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(normaliseText(value));
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** Tool arguments arrive as objects (SDK) or JSON strings (instrumentations); both compare alike. */
export function toolArgumentsFingerprint(args: unknown): string {
  const value = typeof args === "string" ? (parseJsonText(args) ?? args) : args;
  return fingerprint(canonicalJson(value));
}

/** Queries that differ only in case, spacing or a trailing question mark are the same query. */
export function normaliseQuery(query: string): string {
  return normaliseText(query)
    .toLowerCase()
    .replace(/[\s?.!]+$/u, "");
}

/**
 * A query as text, or a list of queries sent together (a search tool taking `query_list`):
 * a list is the same request whatever its order or repeats, so its normalised queries are
 * deduplicated and sorted. A JSON string holding a list counts as that list.
 */
export function queryFingerprint(query: unknown): string {
  const value = typeof query === "string" ? parsedList(query) : query;
  if (Array.isArray(value)) {
    const queries = value.map((q) => normaliseQuery(typeof q === "string" ? q : canonicalJson(q)));
    return fingerprint([...new Set(queries)].sort().join("\n"));
  }
  return fingerprint(normaliseQuery(typeof value === "string" ? value : canonicalJson(value)));
}

function parsedList(text: string): unknown {
  if (!text.trimStart().startsWith("[")) return text;
  const value = parseJsonText(text);
  return Array.isArray(value) ? value : text;
}

/** Order does not matter for a result set: the same documents give the same fingerprint. */
export function documentsFingerprint(ids: readonly string[]): string {
  return fingerprint([...new Set(ids)].sort().join("\n"));
}

/** Free text (LLM output, tool result) or any JSON value, normalised then hashed. */
export function contentFingerprint(content: unknown): string {
  return fingerprint(typeof content === "string" ? normaliseText(content) : canonicalJson(content));
}
