// Fingerprints let the analyzers compare steps without storing their content: two tool calls
// with the same canonical arguments, or two retrievals with the same normalized query, get the
// same fingerprint. The SDK and the collector both use these functions, so a span fingerprinted
// by our SDK and one fingerprinted by the collector from another instrumentation's content agree.
import * as crypto from "node:crypto";
import { parseJsonText } from "./json-text.ts";

/** Hex characters kept of the SHA-256: 64 bits, collisions negligible within a workflow. */
const FINGERPRINT_HEX_LENGTH = 16;

// The one-shot `crypto.hash` (Node 20.12 on) takes a third less time than a Hash object on the
// short texts most fingerprints are of; the packages also run on Node 20.6.
const sha256Hex: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text).digest("hex");

export function fingerprint(text: string): string {
  return sha256Hex(text).slice(0, FINGERPRINT_HEX_LENGTH);
}

/** Anything but printable ASCII and ordinary white space, which NFKC leaves alone. */
const NOT_ASCII = /[^\t\n\r -~]/;

/** Folds runs of white space and trims, so formatting differences do not split a fingerprint. */
export function normalizeText(text: string): string {
  // NFKC leaves ASCII as it is: most tool output skips the costly Unicode pass.
  const composed = NOT_ASCII.test(text) ? text.normalize("NFKC") : text;
  // Only runs of two or more, or a lone tab or newline, need replacing: matching every single
  // space too (/\s+/) costs four times as much on ordinary text, for the same result.
  return composed.replace(/\s{2,}|[^\S ]/g, " ").trim();
}

// The same few keys (role, parts, type, content, ...) recur in every message: quoted once.
const QUOTED_KEYS = new Map<string, string>();
function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (QUOTED_KEYS.size < 1024 && key.length <= 64) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

/** JSON with sorted keys and normalized strings: the same call always serialises alike. */
export function canonicalJson(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(normalizeText(value));
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // Keys sort by UTF-16 code units, as `<` compares them (the default sort does the same).
  const keys = Object.keys(record).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? "" : ","}${quotedKey(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}

/** Tool arguments arrive as objects (SDK) or JSON strings (instrumentations); both compare alike. */
export function toolArgumentsFingerprint(args: unknown): string {
  const value = typeof args === "string" ? (parseJsonText(args) ?? args) : args;
  return fingerprint(canonicalJson(value));
}

/** Queries that differ only in case, spacing or a trailing question mark are the same query. */
export function normalizeQuery(query: string): string {
  return normalizeText(query)
    .toLowerCase()
    .replace(/[\s?.!]+$/u, "");
}

/**
 * A query as text, or a list of queries sent together (a search tool taking `query_list`):
 * a list is the same request whatever its order or repeats, so its normalized queries are
 * deduplicated and sorted. A JSON string holding a list counts as that list.
 */
export function queryFingerprint(query: unknown): string {
  const value = typeof query === "string" ? parsedList(query) : query;
  if (Array.isArray(value)) {
    const queries = value.map((q) => normalizeQuery(typeof q === "string" ? q : canonicalJson(q)));
    return fingerprint([...new Set(queries)].sort().join("\n"));
  }
  return fingerprint(normalizeQuery(typeof value === "string" ? value : canonicalJson(value)));
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

/** Free text (LLM output, tool result) or any JSON value, normalized then hashed. */
export function contentFingerprint(content: unknown): string {
  return fingerprint(typeof content === "string" ? normalizeText(content) : canonicalJson(content));
}

/** A string that holds JSON as that JSON's value (as the collector reads results), else the string. */
function jsonOrText(value: unknown): unknown {
  return typeof value === "string" ? (parseJsonText(value) ?? value) : value;
}

/**
 * What one part of a message (the GenAI conventions' `parts`) says: a text's content, a tool
 * call's name and arguments, a tool result's response; any other part (an image, a file) as it is.
 */
function partValue(part: unknown): unknown {
  if (typeof part !== "object" || part === null) return jsonOrText(part);
  const p = part as Record<string, unknown>;
  switch (p.type) {
    case "text":
    case "reasoning":
    case "refusal":
      return jsonOrText(p.content);
    case "tool_call_response":
      return jsonOrText(p.response ?? p.result);
    case "tool_call":
      return { name: p.name, arguments: jsonOrText(p.arguments) };
    default:
      return p;
  }
}

function isToolResultBlock(block: unknown): block is { content?: unknown } {
  return typeof block === "object" && block !== null && (block as { type?: unknown }).type === "tool_result";
}

/** A `tool_result` block's content: its text, or the text of its text blocks, else as it is. */
function toolResultValue(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  const texts = content.map((b) =>
    typeof b === "object" && b !== null ? (b as { text?: unknown }).text : undefined,
  );
  return texts.every((t) => typeof t === "string") ? texts.join("") : content;
}

/**
 * Anthropic carries tool results as a user message of `tool_result` blocks: such a message is
 * what its results are (each as the tool returned it), so a tool's result is seen in the next
 * prompt as it is in OpenAI's `tool` messages. Other content stays as it is.
 */
function toolResultsOrContent(content: unknown): unknown {
  if (!Array.isArray(content) || content.length === 0 || !content.every(isToolResultBlock)) return content;
  const values = content.map((block) => toolResultValue(block.content));
  return values.length === 1 ? values[0] : values;
}

/**
 * One message of a conversation as later prompts hold it: its `content` when it has one; the
 * value of its `parts` when it has those (the GenAI conventions' messages: a tool result is the
 * `response` of a `tool_call_response` part, so it fingerprints as the result itself); else the
 * message itself. The SDK fingerprints the messages it is given this way, the collector the
 * messages other instrumentations record, so that both see the same message alike.
 */
export function messageFingerprint(message: unknown): string {
  if (typeof message === "object" && message !== null) {
    if ("content" in message)
      return contentFingerprint(toolResultsOrContent((message as { content: unknown }).content));
    const parts = (message as { parts?: unknown }).parts;
    if (Array.isArray(parts)) {
      const values = parts.map(partValue);
      return contentFingerprint(values.length === 1 ? values[0] : values);
    }
  }
  return contentFingerprint(message);
}
