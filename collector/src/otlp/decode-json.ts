// ExportTraceServiceRequest from OTLP/JSON: lowerCamelCase field names, ids as hex strings,
// 64-bit integers as strings or numbers, enums as integers. Unknown fields are ignored, as the
// specification asks; a field of the wrong type is an error naming its path.
import {
  type AnyValue,
  type AttributeMap,
  type DecodedResourceSpans,
  type DecodedScopeSpans,
  type DecodedSpan,
  MAX_VALUE_DEPTH,
  OtlpDecodeError,
  SpanBudget,
  TooManySpansError,
} from "./model.ts";

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(path: string, expected: string, value: unknown): never {
  const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
  throw new OtlpDecodeError(`${path}: expected ${expected}, got ${got}`);
}

function record(value: unknown, path: string): Json {
  if (value === undefined || value === null) return {};
  return isRecord(value) ? value : fail(path, "an object", value);
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : fail(path, "an array", value);
}

function str(value: unknown, path: string): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : fail(path, "a string", value);
}

// Long enough for any int64 and more (they saturate); a megabyte of digits is refused, not parsed.
const INTEGER = /^-?\d{1,40}$/;

function int64(value: unknown, path: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (typeof value === "string" && INTEGER.test(value)) return BigInt(value);
  return fail(path, "an integer (number or decimal string)", value);
}

function enumValue(value: unknown, path: string, names: readonly string[]): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && names.includes(value)) return names.indexOf(value);
  return fail(path, "an enum integer", value);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const saturatedInt64 = (n: bigint) => (n < INT64_MIN ? INT64_MIN : n > INT64_MAX ? INT64_MAX : n);

const SPAN_KINDS = [
  "SPAN_KIND_UNSPECIFIED",
  "SPAN_KIND_INTERNAL",
  "SPAN_KIND_SERVER",
  "SPAN_KIND_CLIENT",
  "SPAN_KIND_PRODUCER",
  "SPAN_KIND_CONSUMER",
];
const STATUS_CODES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

function anyValue(value: unknown, path: string, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) {
    throw new OtlpDecodeError(`${path}: attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  }
  const v = record(value, path);
  if ("stringValue" in v) return str(v.stringValue, `${path}.stringValue`);
  if ("boolValue" in v) {
    return typeof v.boolValue === "boolean"
      ? v.boolValue
      : fail(`${path}.boolValue`, "a boolean", v.boolValue);
  }
  if ("intValue" in v) {
    // Beyond int64 a JSON value saturates rather than wraps: a huge count stays huge (and is
    // then clamped where it is used) instead of turning into a small or negative one.
    const n = saturatedInt64(int64(v.intValue, `${path}.intValue`));
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if ("doubleValue" in v) {
    const d = v.doubleValue;
    if (typeof d === "number") return d;
    if (typeof d === "string" && d.trim() !== "" && !Number.isNaN(Number(d))) return Number(d);
    return fail(`${path}.doubleValue`, "a number", d);
  }
  if ("arrayValue" in v) {
    const values = list(record(v.arrayValue, `${path}.arrayValue`).values, `${path}.arrayValue.values`);
    return values.map((item, i) => anyValue(item, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  if ("kvlistValue" in v) {
    const kv = record(v.kvlistValue, `${path}.kvlistValue`);
    return keyValues(kv.values, `${path}.kvlistValue.values`, depth + 1);
  }
  if ("bytesValue" in v) {
    return Uint8Array.from(Buffer.from(str(v.bytesValue, `${path}.bytesValue`), "base64"));
  }
  return null;
}

function keyValues(value: unknown, path: string, depth: number): AttributeMap {
  const map: AttributeMap = {};
  list(value, path).forEach((item, i) => {
    const kv = record(item, `${path}[${i}]`);
    map[str(kv.key, `${path}[${i}].key`)] = anyValue(kv.value, `${path}[${i}].value`, depth);
  });
  return map;
}

/** JSON ids are hex; anything else is kept as given and rejected with its span later. */
function id(value: unknown, path: string): string {
  return str(value, path).toLowerCase();
}

function span(value: unknown, path: string): DecodedSpan {
  const s = record(value, path);
  const status = record(s.status, `${path}.status`);
  return {
    traceId: id(s.traceId, `${path}.traceId`),
    spanId: id(s.spanId, `${path}.spanId`),
    parentSpanId: id(s.parentSpanId, `${path}.parentSpanId`),
    name: str(s.name, `${path}.name`),
    kind: enumValue(s.kind, `${path}.kind`, SPAN_KINDS),
    startTimeUnixNano: int64(s.startTimeUnixNano, `${path}.startTimeUnixNano`),
    endTimeUnixNano: int64(s.endTimeUnixNano, `${path}.endTimeUnixNano`),
    attributes: keyValues(s.attributes, `${path}.attributes`, 1),
    events: list(s.events, `${path}.events`).map((item, i) => {
      const event = record(item, `${path}.events[${i}]`);
      return {
        name: str(event.name, `${path}.events[${i}].name`),
        timeUnixNano: int64(event.timeUnixNano, `${path}.events[${i}].timeUnixNano`),
      };
    }),
    statusCode: enumValue(status.code, `${path}.status.code`, STATUS_CODES),
    statusMessage: str(status.message, `${path}.status.message`),
  };
}

function scopeSpans(value: unknown, path: string, budget: SpanBudget): DecodedScopeSpans {
  const s = record(value, path);
  const scope = record(s.scope, `${path}.scope`);
  return {
    scopeName: str(scope.name, `${path}.scope.name`),
    scopeVersion: str(scope.version, `${path}.scope.version`),
    spans: list(s.spans, `${path}.spans`).map((item, i) => {
      budget.take();
      return span(item, `${path}.spans[${i}]`);
    }),
  };
}

/** An upper bound of the spans in a body, without parsing it: `"spanId"` only appears as a key. */
function spanIdKeys(text: string, stopAfter: number): number {
  let count = 0;
  for (
    let at = text.indexOf('"spanId"');
    at !== -1 && count <= stopAfter;
    at = text.indexOf('"spanId"', at + 8)
  ) {
    count++;
  }
  return count;
}

export interface DecodeOptions {
  /** Most spans one request may hold; past it, TooManySpansError. @default no limit */
  maxSpans?: number;
}

export function decodeTraceRequestJson(text: string, options: DecodeOptions = {}): DecodedResourceSpans[] {
  const budget = new SpanBudget(options.maxSpans);
  // A body far over the limit is refused before it is parsed into as many objects.
  if (options.maxSpans !== undefined && text.length > 1024 * 1024) {
    if (spanIdKeys(text, 2 * options.maxSpans) > 2 * options.maxSpans)
      throw new TooManySpansError(options.maxSpans);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (cause) {
    throw new OtlpDecodeError(`body is not valid JSON: ${(cause as Error).message}`);
  }
  const request = isRecord(body) ? body : fail("request", "an object", body);
  return list(request.resourceSpans, "resourceSpans").map((item, i) => {
    const path = `resourceSpans[${i}]`;
    const rs = record(item, path);
    const resource = record(rs.resource, `${path}.resource`);
    return {
      resource: keyValues(resource.attributes, `${path}.resource.attributes`, 1),
      scopeSpans: list(rs.scopeSpans, `${path}.scopeSpans`).map((s, j) =>
        scopeSpans(s, `${path}.scopeSpans[${j}]`, budget),
      ),
    };
  });
}
