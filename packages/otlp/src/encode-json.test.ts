import { describe, expect, it } from "vitest";
import { decodeTraceRequestJson } from "./decode-json.ts";
import { encodeTraceRequestJson } from "./encode-json.ts";

describe("encodeTraceRequestJson", () => {
  it("writes what the decoder reads back, value types included", () => {
    const [resourceSpans] = decodeTraceRequestJson(
      encodeTraceRequestJson(
        [
          {
            traceId: "5b8efff798038103d269b633813fc60c",
            spanId: "eee19b7ec3c1b173",
            parentSpanId: "eee19b7ec3c1b174",
            name: "chat",
            startTimeUnixNano: 1_790_000_000_000_000_001n,
            endTimeUnixNano: "1790000000000000002",
            attributes: { text: "a", whole: 12, share: 0.5, flag: true },
          },
        ],
        { "service.version": "1.2" },
      ),
    );
    expect(resourceSpans?.resource).toEqual({ "service.version": "1.2" });
    const span = resourceSpans?.scopeSpans[0]?.spans[0];
    expect(span).toMatchObject({
      traceId: "5b8efff798038103d269b633813fc60c",
      parentSpanId: "eee19b7ec3c1b174",
      startTimeUnixNano: 1_790_000_000_000_000_001n,
      endTimeUnixNano: 1_790_000_000_000_000_002n,
      attributes: { text: "a", whole: 12, share: 0.5, flag: true },
    });
  });
});
