// Attribute values as the `Map(String, String)` columns hold them: strings as they are,
// everything else as JSON (bigint as its digits, bytes as base64).
import { parseJsonText } from "@leantrace/conventions";
import type { AnyValue, AttributeMap } from "@leantrace/otlp";
import { boundedText } from "./limits.ts";

function toJsonable(value: AnyValue): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toJsonable);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonable(v)]));
  }
  return value;
}

export function attributeText(value: AnyValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value === null) return "";
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  return JSON.stringify(toJsonable(value));
}

export function attributeTextMap(attributes: AttributeMap, maxChars: number): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    map[boundedText(key, maxChars)] = boundedText(attributeText(value), maxChars);
  }
  return map;
}

// The last texts parsed: a span's fingerprint and its effect read the same tool arguments, its
// input fingerprint and its per-message fingerprints the same (often largest) input messages.
const recent: { text: string; value: unknown }[] = [];

/** The value as a JSON-like structure: strings that hold (not too deeply nested) JSON are parsed. */
export function structuredValue(value: AnyValue | undefined): unknown {
  if (typeof value === "string") {
    for (const entry of recent) if (entry.text === value) return entry.value;
    const parsed = parseJsonText(value) ?? value;
    recent.unshift({ text: value, value: parsed });
    if (recent.length > 2) recent.pop();
    return parsed;
  }
  return value === undefined ? undefined : toJsonable(value);
}
