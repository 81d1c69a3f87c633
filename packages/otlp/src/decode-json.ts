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

// Where a field is, for the error message: spelled out only when a request has failed once and
// is decoded again to say where (building the path of every field of every span costs a sixth
// of decoding a valid request).
let spelling = false;
const at = (path: string, field: string) => (spelling ? `${path}.${field}` : path);
const item = (path: string, index: number) => (spelling ? `${path}[${index}]` : path);

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
  if ("stringValue" in v) return str(v.stringValue, at(path, "stringValue"));
  if ("boolValue" in v) {
    return typeof v.boolValue === "boolean"
      ? v.boolValue
      : fail(at(path, "boolValue"), "a boolean", v.boolValue);
  }
  if ("intValue" in v) {
    // Beyond int64 a JSON value saturates rather than wraps: a huge count stays huge (and is
    // then clamped where it is used) instead of turning into a small or negative one.
    const n = saturatedInt64(int64(v.intValue, at(path, "intValue")));
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  if ("doubleValue" in v) {
    const d = v.doubleValue;
    if (typeof d === "number") return d;
    if (typeof d === "string" && d.trim() !== "" && !Number.isNaN(Number(d))) return Number(d);
    return fail(at(path, "doubleValue"), "a number", d);
  }
  if ("arrayValue" in v) {
    const valuesPath = at(at(path, "arrayValue"), "values");
    const values = list(record(v.arrayValue, at(path, "arrayValue")).values, valuesPath);
    return values.map((value, i) => anyValue(value, item(valuesPath, i), depth + 1));
  }
  if ("kvlistValue" in v) {
    const kv = record(v.kvlistValue, at(path, "kvlistValue"));
    return keyValues(kv.values, at(at(path, "kvlistValue"), "values"), depth + 1);
  }
  if ("bytesValue" in v) {
    return Uint8Array.from(Buffer.from(str(v.bytesValue, at(path, "bytesValue")), "base64"));
  }
  return null;
}

function keyValues(value: unknown, path: string, depth: number): AttributeMap {
  const map: AttributeMap = {};
  const entries = list(value, path);
  for (let i = 0; i < entries.length; i++) {
    const entryPath = item(path, i);
    const kv = record(entries[i], entryPath);
    map[str(kv.key, at(entryPath, "key"))] = anyValue(kv.value, at(entryPath, "value"), depth);
  }
  return map;
}

/** JSON ids are hex; anything else is kept as given and rejected with its span later. */
function id(value: unknown, path: string): string {
  return str(value, path).toLowerCase();
}

function span(value: unknown, path: string): DecodedSpan {
  const s = record(value, path);
  const status = record(s.status, at(path, "status"));
  return {
    traceId: id(s.traceId, at(path, "traceId")),
    spanId: id(s.spanId, at(path, "spanId")),
    parentSpanId: id(s.parentSpanId, at(path, "parentSpanId")),
    name: str(s.name, at(path, "name")),
    kind: enumValue(s.kind, at(path, "kind"), SPAN_KINDS),
    startTimeUnixNano: int64(s.startTimeUnixNano, at(path, "startTimeUnixNano")),
    endTimeUnixNano: int64(s.endTimeUnixNano, at(path, "endTimeUnixNano")),
    attributes: keyValues(s.attributes, at(path, "attributes"), 1),
    events: list(s.events, at(path, "events")).map((value, i) => {
      const eventPath = item(at(path, "events"), i);
      const event = record(value, eventPath);
      return {
        name: str(event.name, at(eventPath, "name")),
        timeUnixNano: int64(event.timeUnixNano, at(eventPath, "timeUnixNano")),
      };
    }),
    statusCode: enumValue(status.code, at(at(path, "status"), "code"), STATUS_CODES),
    statusMessage: str(status.message, at(at(path, "status"), "message")),
  };
}

function scopeSpans(value: unknown, path: string, budget: SpanBudget): DecodedScopeSpans {
  const s = record(value, path);
  const scope = record(s.scope, at(path, "scope"));
  return {
    scopeName: str(scope.name, at(at(path, "scope"), "name")),
    scopeVersion: str(scope.version, at(at(path, "scope"), "version")),
    ...spansOf(list(s.spans, at(path, "spans")), budget),
  };
}

/** Each span decoded on its own: one with a bad field is rejected with the reason, the others kept. */
function spansOf(values: unknown[], budget: SpanBudget): Pick<DecodedScopeSpans, "spans" | "rejected"> {
  const spans: DecodedSpan[] = [];
  const rejected: string[] = [];
  for (const value of values) {
    budget.take();
    try {
      spans.push(span(value, "span"));
    } catch (error) {
      if (!(error instanceof OtlpDecodeError)) throw error;
      rejected.push(spelledOut(() => span(value, "span")) ?? error.message);
    }
  }
  return { spans, rejected };
}

/** The message `decode` fails with when every field's path is spelled out. */
function spelledOut(decode: () => unknown): string | undefined {
  spelling = true;
  try {
    decode();
    return undefined;
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error.message;
    throw error;
  } finally {
    spelling = false;
  }
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
  try {
    return decodeRequest(body, budget);
  } catch (error) {
    if (!(error instanceof OtlpDecodeError)) throw error;
    // Once more, spelling out where each field is, for the message.
    const message = spelledOut(() => decodeRequest(body, new SpanBudget(options.maxSpans)));
    throw message === undefined ? error : new OtlpDecodeError(message);
  }
}

function decodeRequest(body: unknown, budget: SpanBudget): DecodedResourceSpans[] {
  const request = isRecord(body) ? body : fail("request", "an object", body);
  return list(request.resourceSpans, "resourceSpans").map((value, i) => {
    const path = item("resourceSpans", i);
    const rs = record(value, path);
    const resource = record(rs.resource, at(path, "resource"));
    return {
      resource: keyValues(resource.attributes, at(at(path, "resource"), "attributes"), 1),
      scopeSpans: list(rs.scopeSpans, at(path, "scopeSpans")).map((s, j) =>
        scopeSpans(s, item(at(path, "scopeSpans"), j), budget),
      ),
    };
  });
}
