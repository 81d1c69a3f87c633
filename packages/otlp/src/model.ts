// OTLP trace data as the decoders hand it to normalization, whichever encoding it came in.

/** An attribute value: OTLP's AnyValue. Integers beyond 2^53 stay exact as bigint. */
export type AnyValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | null
  | AnyValue[]
  | { [key: string]: AnyValue };

export type AttributeMap = Record<string, AnyValue>;

/** A span event: only its name and time matter to leantrace (its attributes are dropped). */
export interface DecodedEvent {
  name: string;
  timeUnixNano: bigint;
}

export interface DecodedSpan {
  /** Lowercase hex as received; validated during normalization. */
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: AttributeMap;
  events: DecodedEvent[];
  statusCode: number;
  statusMessage: string;
}

export interface DecodedScopeSpans {
  scopeName: string;
  scopeVersion: string;
  spans: DecodedSpan[];
  /**
   * Why each span that could not be decoded was left out (a field of the wrong type, values
   * nested too deep): such a span is rejected alone and the rest of the request is kept.
   */
  rejected: string[];
}

export interface DecodedResourceSpans {
  resource: AttributeMap;
  scopeSpans: DecodedScopeSpans[];
}

/** How deep attribute values may nest (arrays and key-value lists in each other). */
export const MAX_VALUE_DEPTH = 32;

/** The request holds more spans than one request may (the answer is 413). */
export class TooManySpansError extends Error {
  override readonly name = "TooManySpansError";
  constructor(readonly limit: number) {
    super(
      `the request holds more than ${limit} spans, the most one request may carry: send them in smaller batches`,
    );
  }
}

/** How many spans one request may carry, counted while decoding. */
export class SpanBudget {
  private count = 0;
  constructor(readonly limit: number = Number.POSITIVE_INFINITY) {}
  take(): void {
    if (++this.count > this.limit) throw new TooManySpansError(this.limit);
  }
}

/** The request could not be decoded; the message says where and why. */
export class OtlpDecodeError extends Error {
  override readonly name = "OtlpDecodeError";
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
