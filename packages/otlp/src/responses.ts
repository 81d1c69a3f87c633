// OTLP/HTTP responses, in the request's encoding: ExportTraceServiceResponse on success,
// google.rpc.Status on failure.
import { ProtobufWriter } from "./protobuf-reader.ts";

export type Encoding = "protobuf" | "json";

export const CONTENT_TYPES: Record<Encoding, string> = {
  protobuf: "application/x-protobuf",
  json: "application/json",
};

/** gRPC status codes used in google.rpc.Status. */
export const RPC_INVALID_ARGUMENT = 3;
export const RPC_RESOURCE_EXHAUSTED = 8;
export const RPC_INTERNAL = 13;
export const RPC_UNAVAILABLE = 14;

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/** ExportTraceServiceResponse: 1 partial_success (1 rejected_spans, 2 error_message). */
export function exportResponse(
  encoding: Encoding,
  partial?: PartialSuccess,
): Uint8Array<ArrayBuffer> | string {
  if (encoding === "json") {
    return JSON.stringify(
      partial === undefined
        ? {}
        : {
            partialSuccess: {
              rejectedSpans: String(partial.rejectedSpans),
              errorMessage: partial.errorMessage,
            },
          },
    );
  }
  if (partial === undefined) return new Uint8Array(0);
  const inner = new ProtobufWriter().int(1, partial.rejectedSpans).string(2, partial.errorMessage).finish();
  return new ProtobufWriter().bytes(1, inner).finish();
}

/** google.rpc.Status: 1 code, 2 message. */
export function statusResponse(
  encoding: Encoding,
  code: number,
  message: string,
): Uint8Array<ArrayBuffer> | string {
  if (encoding === "json") return JSON.stringify({ code, message });
  return new ProtobufWriter().int(1, code).string(2, message).finish();
}
