export { type DecodeOptions, decodeTraceRequestJson } from "./decode-json.ts";
export { decodeTraceRequestProtobuf } from "./decode-protobuf.ts";
export { type AttributeInput, encodeTraceRequestJson, type SpanInput } from "./encode-json.ts";
export {
  type AnyValue,
  type AttributeMap,
  type DecodedEvent,
  type DecodedResourceSpans,
  type DecodedScopeSpans,
  type DecodedSpan,
  hex,
  MAX_VALUE_DEPTH,
  OtlpDecodeError,
  SpanBudget,
  TooManySpansError,
} from "./model.ts";
export {
  CONTENT_TYPES,
  type Encoding,
  exportResponse,
  type PartialSuccess,
  RPC_INTERNAL,
  RPC_INVALID_ARGUMENT,
  RPC_RESOURCE_EXHAUSTED,
  RPC_UNAVAILABLE,
  statusResponse,
} from "./responses.ts";
