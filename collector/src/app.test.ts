import { gzipSync } from "node:zlib";
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import type { Store } from "@leantrace/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestPipeline } from "./ingest/pipeline.ts";
import { type InProcessCollector, startInProcessCollector } from "./testing/in-process.ts";

let store: Store;
let collector: InProcessCollector;
let ingest: IngestPipeline;

beforeAll(async () => {
  collector = await startInProcessCollector("app-test", { maxBodyBytes: 64 * 1024 });
  ({ store, ingest } = collector);
});

afterAll(() => collector.close());

let spanCounter = 0;
function jsonSpan(
  traceId: string,
  attributes: Record<string, string | number>,
  parentSpanId = "",
): SpanInput {
  spanCounter++;
  return {
    traceId,
    spanId: spanCounter.toString(16).padStart(16, "a"),
    parentSpanId,
    name: parentSpanId === "" ? "root" : "step",
    startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(spanCounter),
    endTimeUnixNano: 1_700_000_001_000_000_000n + BigInt(spanCounter),
    attributes,
  };
}

const traces = (spans: SpanInput[]) => encodeTraceRequestJson(spans);

/** Posts; ingest answers are followed by waiting until what they acknowledged is in storage. */
async function post(
  path: string,
  body: string | Uint8Array<ArrayBuffer> | Buffer,
  headers: Record<string, string>,
) {
  const response = await collector.app.request(path, { method: "POST", body, headers });
  if (path.startsWith("/v1/")) await ingest.drained(10_000);
  return response;
}

const JSON_TYPE = { "content-type": "application/json" };
const PROTOBUF_TYPE = { "content-type": "application/x-protobuf" };

async function report(workflow?: string) {
  const response = await collector.app.request(`/api/v1/report${workflow ? `?workflow=${workflow}` : ""}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { workflows: { workflow: string; runs: number; successes: number }[] };
}

describe("collector app", () => {
  it("answers /health", async () => {
    const response = await collector.app.request("/health");
    expect(response.status).toBe(200);
  });

  it("accepts OTLP/JSON and reports it", async () => {
    const trace = "11111111111111111111111111111111";
    const response = await post(
      "/v1/traces",
      traces([
        jsonSpan(trace, { "gen_ai.workflow.name": "triage", "leantrace.outcome": "success" }),
        jsonSpan(
          trace,
          {
            "gen_ai.operation.name": "chat",
            "gen_ai.usage.input_tokens": 70,
            "gen_ai.usage.output_tokens": 5,
          },
          "00000000000000aa",
        ),
      ]),
      JSON_TYPE,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({});
    const { workflows } = await report("triage");
    expect(workflows).toHaveLength(1);
    expect(workflows[0]).toMatchObject({
      workflow: "triage",
      runs: 1,
      successes: 1,
      failures: 0,
      totalTokens: 75,
      tokensPerSuccess: 75,
    });
  });

  it("stores spans whose timestamps are nonsense rather than failing their batch", async () => {
    const span = { ...jsonSpan("66666666666666666666666666666666", { "gen_ai.workflow.name": "odd-times" }) };
    span.startTimeUnixNano = "5";
    span.endTimeUnixNano = "18446744073709551615";
    expect((await post("/v1/traces", traces([span]), JSON_TYPE)).status).toBe(200);
    expect((await report("odd-times")).workflows[0]?.runs).toBe(1);
  });

  it("counts a batch sent twice once", async () => {
    const trace = "77777777777777777777777777777777";
    const body = traces([
      jsonSpan(trace, { "gen_ai.workflow.name": "twice", "leantrace.outcome": "success" }),
      jsonSpan(
        trace,
        { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 40, "gen_ai.usage.output_tokens": 2 },
        "00000000000000aa",
      ),
    ]);
    expect((await post("/v1/traces", body, JSON_TYPE)).status).toBe(200);
    expect((await post("/v1/traces", body, JSON_TYPE)).status).toBe(200);
    expect((await report("twice")).workflows[0]).toMatchObject({ runs: 1, totalTokens: 42 });
    const [stored] = await store.select<{ n: number }>(
      "SELECT count() AS n FROM {db:Identifier}.spans FINAL WHERE trace_id = {t:String}",
      { t: trace },
    );
    expect(stored?.n).toBe(2);
  });

  it("answers partial success when some spans are unusable", async () => {
    const response = await post(
      "/v1/traces",
      traces([jsonSpan("22222222222222222222222222222222", {}), { ...jsonSpan("xyz", {}), traceId: "xyz" }]),
      JSON_TYPE,
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      partialSuccess: { rejectedSpans: string; errorMessage: string };
    };
    expect(body.partialSuccess.rejectedSpans).toBe("1");
    expect(body.partialSuccess.errorMessage).toContain('trace id "xyz"');
  });

  it("refuses undecodable bodies with 400 and a google.rpc.Status, in the request's encoding", async () => {
    const notJson = await post("/v1/traces", "{ nope", JSON_TYPE);
    expect(notJson.status).toBe(400);
    const status = (await notJson.json()) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toContain("not valid JSON");

    const wrongShape = await post(
      "/v1/traces",
      JSON.stringify({ resourceSpans: [{ scopeSpans: 7 }] }),
      JSON_TYPE,
    );
    expect(wrongShape.status).toBe(400);
    expect(((await wrongShape.json()) as { message: string }).message).toBe(
      "resourceSpans[0].scopeSpans: expected an array, got number",
    );

    // Field 1, length-delimited, claiming 50 bytes where 3 follow.
    const truncated = await post("/v1/traces", new Uint8Array([0x0a, 50, 1, 2, 3]), PROTOBUF_TYPE);
    expect(truncated.status).toBe(400);
    expect(truncated.headers.get("content-type")).toBe("application/x-protobuf");
    const bytes = new Uint8Array(await truncated.arrayBuffer());
    expect(bytes[0]).toBe(0x08); // field 1 (code), varint
    expect(bytes[1]).toBe(3); // INVALID_ARGUMENT
    expect(Buffer.from(bytes).toString("utf8")).toContain("runs past the end");

    const badGzip = await post("/v1/traces", "not gzip", { ...JSON_TYPE, "content-encoding": "gzip" });
    expect(badGzip.status).toBe(400);
  });

  it("refuses bodies over the limit with 413, a gzip bomb included", async () => {
    const large = await post("/v1/traces", "x".repeat(65 * 1024), JSON_TYPE);
    expect(large.status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const inflated = await post("/v1/traces", bomb, { ...JSON_TYPE, "content-encoding": "gzip" });
    expect(inflated.status).toBe(413);
    expect(((await inflated.json()) as { message: string }).message).toContain("decompressed");
  });

  it("refuses other media types and encodings with 415", async () => {
    expect((await post("/v1/traces", "{}", { "content-type": "text/plain" })).status).toBe(415);
    expect((await post("/v1/traces", "{}", { ...JSON_TYPE, "content-encoding": "br" })).status).toBe(415);
  });

  it("stores gzip-compressed requests", async () => {
    const body = gzipSync(
      traces([jsonSpan("33333333333333333333333333333333", { "gen_ai.workflow.name": "zipped" })]),
    );
    const response = await post("/v1/traces", body, { ...JSON_TYPE, "content-encoding": "gzip" });
    expect(response.status).toBe(200);
    expect((await report("zipped")).workflows[0]?.runs).toBe(1);
  });

  it("takes outcomes that arrive after the run", async () => {
    const trace = "44444444444444444444444444444444";
    await post("/v1/traces", traces([jsonSpan(trace, { "gen_ai.workflow.name": "late" })]), JSON_TYPE);
    expect((await report("late")).workflows[0]?.successes).toBe(0);
    const ok = await post(
      "/v1/outcomes",
      JSON.stringify({ runId: trace, outcome: "success", value: 1 }),
      JSON_TYPE,
    );
    expect(ok.status).toBe(200);
    expect((await report("late")).workflows[0]?.successes).toBe(1);

    const badOutcome = await post(
      "/v1/outcomes",
      JSON.stringify({ runId: trace, outcome: "great" }),
      JSON_TYPE,
    );
    expect(badOutcome.status).toBe(400);
    expect(((await badOutcome.json()) as { error: { message: string } }).error.message).toBe(
      "outcome: expected success, failure, partial or unknown",
    );
    const noRun = await post("/v1/outcomes", JSON.stringify({ outcome: "success" }), JSON_TYPE);
    expect(noRun.status).toBe(400);
    const notJson = await post("/v1/outcomes", "{", JSON_TYPE);
    expect(notJson.status).toBe(400);
  });

  it("analyses on demand and lists findings, refusing bad parameters", async () => {
    const analyzed = await post("/api/v1/analyze", JSON.stringify({ full: true }), JSON_TYPE);
    expect(analyzed.status).toBe(200);
    const pass = (await analyzed.json()) as { runs: number; findings: number };
    // Every run posted so far has an outcome or, with the default idle time, is not complete yet.
    expect(pass.runs).toBeGreaterThanOrEqual(2);
    // Only JSON starts a pass: a cross-site form post cannot.
    const form = await post("/api/v1/analyze", "full=true", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(form.status).toBe(415);
    expect((await post("/api/v1/analyze", "{}", { "content-type": "text/plain" })).status).toBe(415);
    const bad = await post("/api/v1/analyze", JSON.stringify({ full: "yes" }), JSON_TYPE);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("full");
    const findings = await collector.app.request("/api/v1/findings?workflow=triage");
    expect(findings.status).toBe(200);
    expect(await findings.json()).toEqual({ findings: [], nextCursor: null });
    for (const window of ["since=9999-01-01T00:00:00Z", "until=1900-01-01T00:00:00Z", "since=yesterday"]) {
      const outOfRange = await collector.app.request(`/api/v1/runs?${window}`);
      expect(outOfRange.status, window).toBe(400);
      expect(((await outOfRange.json()) as { error: { message: string } }).error.message).toMatch(
        /since|until/,
      );
    }
    const badKind = await collector.app.request("/api/v1/findings?kind=bogus");
    expect(badKind.status).toBe(400);
  });

  it("is still up and storing after all the bad input", async () => {
    const trace = "55555555555555555555555555555555";
    const response = await post(
      "/v1/traces",
      traces([jsonSpan(trace, { "gen_ai.workflow.name": "after" })]),
      JSON_TYPE,
    );
    expect(response.status).toBe(200);
    expect((await report("after")).workflows).toHaveLength(1);
  });
});
