// Attribute values as the `Map(String, String)` columns hold them: strings as they are,
// everything else as JSON (bigint as its digits, bytes as base64).
import type { AnyValue, AttributeMap } from "../otlp/model.ts";

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

/**
 * Cuts text longer than `maxChars`, saying so at the end: a megabyte prompt must not bloat
 * storage, and a reader must see that something was cut rather than miss it silently.
 */
export function truncated(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}…[truncated ${text.length - maxChars} chars]`;
}

export function attributeTextMap(attributes: AttributeMap, maxChars: number): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    map[truncated(key, maxChars)] = truncated(attributeText(value), maxChars);
  }
  return map;
}

/** The value as a JSON-like structure: strings that hold JSON are parsed. */
export function structuredValue(value: AnyValue | undefined): unknown {
  if (typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value === undefined ? undefined : toJsonable(value);
}
