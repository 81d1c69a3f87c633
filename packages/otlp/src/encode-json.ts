// Writes OTLP/JSON export requests: the reverse of decode-json, for whoever must produce them
// by hand (the tests, the benchmarks, scripts replaying spans). Values become AnyValues: whole
// numbers int64 strings, other numbers doubles.

export type AttributeInput = string | number | boolean;

export interface SpanInput {
  traceId: string;
  spanId: string;
  /** Empty or absent at the root. */
  parentSpanId?: string;
  name: string;
  startTimeUnixNano?: string | bigint;
  endTimeUnixNano?: string | bigint;
  attributes?: Record<string, AttributeInput>;
  events?: { name: string; timeUnixNano: string | bigint; attributes?: Record<string, AttributeInput> }[];
}

function anyValue(value: AttributeInput): Record<string, string | number | boolean> {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
}

function keyValues(attributes: Record<string, AttributeInput>) {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

/** One ExportTraceServiceRequest holding `spans` under one resource and one scope. */
export function encodeTraceRequestJson(
  spans: readonly SpanInput[],
  resource: Record<string, AttributeInput> = {},
  scope?: { name: string; version?: string },
): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: keyValues(resource) },
        scopeSpans: [
          {
            ...(scope === undefined ? {} : { scope }),
            spans: spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              ...(span.parentSpanId === undefined ? {} : { parentSpanId: span.parentSpanId }),
              name: span.name,
              ...(span.startTimeUnixNano === undefined
                ? {}
                : { startTimeUnixNano: String(span.startTimeUnixNano) }),
              ...(span.endTimeUnixNano === undefined
                ? {}
                : { endTimeUnixNano: String(span.endTimeUnixNano) }),
              attributes: keyValues(span.attributes ?? {}),
              ...(span.events === undefined
                ? {}
                : {
                    events: span.events.map((event) => ({
                      name: event.name,
                      timeUnixNano: String(event.timeUnixNano),
                      attributes: keyValues(event.attributes ?? {}),
                    })),
                  }),
            })),
          },
        ],
      },
    ],
  });
}
