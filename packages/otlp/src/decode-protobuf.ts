// ExportTraceServiceRequest from protobuf, field numbers as in opentelemetry-proto
// (opentelemetry/proto/trace/v1/trace.proto, common/v1/common.proto).
import {
  type AnyValue,
  type AttributeMap,
  type DecodedResourceSpans,
  type DecodedScopeSpans,
  type DecodedSpan,
  hex,
  MAX_VALUE_DEPTH,
  OtlpDecodeError,
  SpanBudget,
} from "./model.ts";
import { ProtobufReader, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from "./protobuf-reader.ts";

function int64Value(value: bigint): number | bigint {
  const signed = BigInt.asIntN(64, value);
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(signed)
    : signed;
}

// AnyValue: 1 string, 2 bool, 3 int64, 4 double, 5 ArrayValue, 6 KeyValueList, 7 bytes.
function readAnyValue(r: ProtobufReader, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) {
    throw new OtlpDecodeError(`attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  }
  let value: AnyValue = null;
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, WIRE_LENGTH_DELIMITED, "AnyValue.string_value");
        value = r.string();
        break;
      case 2:
        r.expect(wire, WIRE_VARINT, "AnyValue.bool_value");
        value = r.varint64() !== 0n;
        break;
      case 3:
        r.expect(wire, WIRE_VARINT, "AnyValue.int_value");
        value = int64Value(r.varint64());
        break;
      case 4:
        r.expect(wire, WIRE_FIXED64, "AnyValue.double_value");
        value = r.double();
        break;
      case 5: {
        r.expect(wire, WIRE_LENGTH_DELIMITED, "AnyValue.array_value");
        const array = r.sub();
        const items: AnyValue[] = [];
        while (!array.done) {
          const [f, w] = array.tag();
          if (f === 1 && w === WIRE_LENGTH_DELIMITED) items.push(readAnyValue(array.sub(), depth + 1));
          else array.skip(w);
        }
        value = items;
        break;
      }
      case 6:
        r.expect(wire, WIRE_LENGTH_DELIMITED, "AnyValue.kvlist_value");
        value = readKeyValues(r.sub(), 1, depth + 1);
        break;
      case 7:
        r.expect(wire, WIRE_LENGTH_DELIMITED, "AnyValue.bytes_value");
        value = r.bytes().slice();
        break;
      default:
        r.skip(wire);
    }
  }
  return value;
}

// KeyValue: 1 key, 2 value. Reads every repeated KeyValue of field `field` in the message.
function readKeyValue(r: ProtobufReader, depth: number): [string, AnyValue] {
  let key = "";
  let value: AnyValue = null;
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LENGTH_DELIMITED) key = r.string();
    else if (field === 2 && wire === WIRE_LENGTH_DELIMITED) value = readAnyValue(r.sub(), depth);
    else r.skip(wire);
  }
  return [key, value];
}

function readKeyValues(r: ProtobufReader, field: number, depth: number): AttributeMap {
  const map: AttributeMap = {};
  while (!r.done) {
    const [f, w] = r.tag();
    if (f === field && w === WIRE_LENGTH_DELIMITED) {
      const [key, value] = readKeyValue(r.sub(), depth);
      map[key] = value;
    } else r.skip(w);
  }
  return map;
}

function addKeyValue(map: AttributeMap, r: ProtobufReader): void {
  const [key, value] = readKeyValue(r, 1);
  map[key] = value;
}

// Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 7 start, 8 end,
// 9 attributes, 11 events, 15 status (2 message, 3 code).
function readSpan(r: ProtobufReader): DecodedSpan {
  const span: DecodedSpan = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: {},
    events: [],
    statusCode: 0,
    statusMessage: "",
  };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1:
        r.expect(wire, WIRE_LENGTH_DELIMITED, "Span.trace_id");
        span.traceId = hex(r.bytes());
        break;
      case 2:
        r.expect(wire, WIRE_LENGTH_DELIMITED, "Span.span_id");
        span.spanId = hex(r.bytes());
        break;
      case 4:
        r.expect(wire, WIRE_LENGTH_DELIMITED, "Span.parent_span_id");
        span.parentSpanId = hex(r.bytes());
        break;
      case 5:
        r.expect(wire, WIRE_LENGTH_DELIMITED, "Span.name");
        span.name = r.string();
        break;
      case 6:
        r.expect(wire, WIRE_VARINT, "Span.kind");
        span.kind = r.varint32();
        break;
      case 7:
        r.expect(wire, WIRE_FIXED64, "Span.start_time_unix_nano");
        span.startTimeUnixNano = r.fixed64();
        break;
      case 8:
        r.expect(wire, WIRE_FIXED64, "Span.end_time_unix_nano");
        span.endTimeUnixNano = r.fixed64();
        break;
      case 9:
        r.expect(wire, WIRE_LENGTH_DELIMITED, "Span.attributes");
        addKeyValue(span.attributes, r.sub());
        break;
      case 11: {
        r.expect(wire, WIRE_LENGTH_DELIMITED, "Span.events");
        // Event: 1 time_unix_nano, 2 name.
        const event = r.sub();
        const decoded = { name: "", timeUnixNano: 0n };
        while (!event.done) {
          const [f, w] = event.tag();
          if (f === 1 && w === WIRE_FIXED64) decoded.timeUnixNano = event.fixed64();
          else if (f === 2 && w === WIRE_LENGTH_DELIMITED) decoded.name = event.string();
          else event.skip(w);
        }
        span.events.push(decoded);
        break;
      }
      case 15: {
        r.expect(wire, WIRE_LENGTH_DELIMITED, "Span.status");
        const status = r.sub();
        while (!status.done) {
          const [f, w] = status.tag();
          if (f === 2 && w === WIRE_LENGTH_DELIMITED) span.statusMessage = status.string();
          else if (f === 3 && w === WIRE_VARINT) span.statusCode = status.varint32();
          else status.skip(w);
        }
        break;
      }
      default:
        r.skip(wire);
    }
  }
  return span;
}

// ScopeSpans: 1 scope (1 name, 2 version), 2 spans.
function readScopeSpans(r: ProtobufReader, budget: SpanBudget): DecodedScopeSpans {
  const scopeSpans: DecodedScopeSpans = { scopeName: "", scopeVersion: "", spans: [], rejected: [] };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LENGTH_DELIMITED) {
      const scope = r.sub();
      while (!scope.done) {
        const [f, w] = scope.tag();
        if (f === 1 && w === WIRE_LENGTH_DELIMITED) scopeSpans.scopeName = scope.string();
        else if (f === 2 && w === WIRE_LENGTH_DELIMITED) scopeSpans.scopeVersion = scope.string();
        else scope.skip(w);
      }
    } else if (field === 2 && wire === WIRE_LENGTH_DELIMITED) {
      budget.take();
      // A span is its own length-delimited message: one that is malformed inside is rejected
      // alone, the request's framing around it intact.
      const spanReader = r.sub();
      try {
        scopeSpans.spans.push(readSpan(spanReader));
      } catch (error) {
        if (!(error instanceof OtlpDecodeError)) throw error;
        scopeSpans.rejected.push(`span: ${error.message}`);
      }
    } else r.skip(wire);
  }
  return scopeSpans;
}

// ResourceSpans: 1 resource (1 attributes), 2 scope_spans.
function readResourceSpans(r: ProtobufReader, budget: SpanBudget): DecodedResourceSpans {
  const resourceSpans: DecodedResourceSpans = { resource: {}, scopeSpans: [] };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LENGTH_DELIMITED) {
      resourceSpans.resource = readKeyValues(r.sub(), 1, 1);
    } else if (field === 2 && wire === WIRE_LENGTH_DELIMITED) {
      resourceSpans.scopeSpans.push(readScopeSpans(r.sub(), budget));
    } else r.skip(wire);
  }
  return resourceSpans;
}

/** ExportTraceServiceRequest: 1 resource_spans. Past `maxSpans` spans, TooManySpansError. */
export function decodeTraceRequestProtobuf(
  body: Uint8Array,
  options: { maxSpans?: number } = {},
): DecodedResourceSpans[] {
  const budget = new SpanBudget(options.maxSpans);
  const r = new ProtobufReader(body);
  const result: DecodedResourceSpans[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === WIRE_LENGTH_DELIMITED) result.push(readResourceSpans(r.sub(), budget));
    else r.skip(wire);
  }
  return result;
}
