// A seeded fuzz of the ingest endpoints: tens of thousands of bad inputs, with valid traffic
// between them. Every bad input must get a 4xx with a message (or be accepted and stored
// correctly), the collector must keep answering, memory must stay bounded, and every valid
// span must be stored intact.
import { gzipSync } from "node:zlib";
import { seededRandom } from "@leantrace/gate";
import { encodeTraceRequestJson } from "@leantrace/otlp";
import type { Store } from "@leantrace/storage";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestPipeline } from "./ingest/pipeline.ts";
import { type InProcessCollector, startInProcessCollector } from "./testing/in-process.ts";

const INPUTS = 20_000;
const MAX_BODY = 1024 * 1024;

let store: Store;
let collector: InProcessCollector;
let ingest: IngestPipeline;
let validProtobuf: Uint8Array;

/** A real protobuf export request: three spans of a workflow, from the OpenTelemetry SDK. */
function realProtobufRequest(): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("fuzz");
  const root = tracer.startSpan("invoke_workflow fuzz", {
    attributes: { "gen_ai.workflow.name": "fuzz-seed" },
  });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  tracer
    .startSpan(
      "chat",
      { attributes: { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 12 } },
      ctx,
    )
    .end();
  tracer.startSpan("execute_tool bash", { attributes: { "gen_ai.tool.name": "bash" } }, ctx).end();
  root.end();
  const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
  if (bytes === undefined) throw new Error("the SDK could not serialise its spans");
  return bytes;
}

beforeAll(async () => {
  collector = await startInProcessCollector("fuzz", { maxBodyBytes: MAX_BODY });
  ({ store, ingest } = collector);
  validProtobuf = realProtobufRequest();
});

afterAll(() => collector.close());

type Input = { path: string; body: Uint8Array | string; headers: Record<string, string>; kind: string };

const JSON_TYPE = { "content-type": "application/json" };
const PROTOBUF_TYPE = { "content-type": "application/x-protobuf" };

function makeInputs(next: () => number): (() => Input)[] {
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const randomJson = (depth: number): unknown => {
    const pick = int(depth > 3 ? 4 : 7);
    if (pick === 0) return int(1e6) - 5e5;
    if (pick === 1) return String.fromCharCode(...Array.from({ length: int(20) }, () => int(0xffff)));
    if (pick === 2) return null;
    if (pick === 3) return next() < 0.5;
    if (pick === 4) return Array.from({ length: int(4) }, () => randomJson(depth + 1));
    const keys = ["resourceSpans", "scopeSpans", "spans", "traceId", "attributes", "value", "key", "x"];
    return Object.fromEntries(
      Array.from({ length: int(4) }, () => [keys[int(keys.length)], randomJson(depth + 1)]),
    );
  };
  const nested = (depth: number): unknown =>
    depth === 0
      ? { stringValue: "leaf" }
      : { kvlistValue: { values: [{ key: "k", value: nested(depth - 1) }] } };
  const spanWith = (fields: Record<string, unknown>) =>
    JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: "5b8efff798038103d269b633813fc60c",
                  spanId: "eee19b7ec3c1b173",
                  name: "fuzzed",
                  startTimeUnixNano: "1790000000000000000",
                  endTimeUnixNano: "1790000000100000000",
                  ...fields,
                },
              ],
            },
          ],
        },
      ],
    });
  return [
    () => ({ kind: "random bytes", path: "/v1/traces", body: bytes(int(2000)), headers: PROTOBUF_TYPE }),
    () => ({
      kind: "truncated protobuf",
      path: "/v1/traces",
      body: validProtobuf.slice(0, int(validProtobuf.length)),
      headers: PROTOBUF_TYPE,
    }),
    () => {
      const flipped = validProtobuf.slice();
      for (let i = 0; i < 1 + int(5); i++) {
        const at = int(flipped.length);
        flipped[at] = (flipped[at] as number) ^ (1 << int(8));
      }
      return { kind: "bit-flipped protobuf", path: "/v1/traces", body: flipped, headers: PROTOBUF_TYPE };
    },
    () => ({
      kind: "JSON of the wrong shape",
      path: "/v1/traces",
      body: JSON.stringify(randomJson(0)),
      headers: JSON_TYPE,
    }),
    () => ({
      kind: "deeply nested attribute",
      path: "/v1/traces",
      body: spanWith({ attributes: [{ key: "deep", value: nested(10 + int(200)) }] }),
      headers: JSON_TYPE,
    }),
    () => ({
      kind: "invalid UTF-8",
      path: "/v1/traces",
      body: Uint8Array.from([
        0x0a, 0x0d, 0x12, 0x0b, 0x12, 0x09, 0x2a, 0x07, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2,
      ]),
      headers: PROTOBUF_TYPE,
    }),
    () => ({
      kind: "wrong-length ids",
      path: "/v1/traces",
      body: spanWith({
        traceId: ["", "abc", "5b8efff798038103d269b633813fc60c5b8e", "zz"][int(4)],
        spanId: "",
      }),
      headers: JSON_TYPE,
    }),
    () => ({
      kind: "OTLP logs posted to traces",
      path: "/v1/traces",
      body: JSON.stringify({
        resourceLogs: [
          { scopeLogs: [{ logRecords: [{ timeUnixNano: "1", body: { stringValue: "log" } }] }] },
        ],
      }),
      headers: JSON_TYPE,
    }),
    () => ({
      kind: "outcome of the wrong shape",
      path: "/v1/outcomes",
      body: JSON.stringify(randomJson(0)),
      headers: JSON_TYPE,
    }),
    () => ({ kind: "random bytes as JSON", path: "/v1/outcomes", body: bytes(int(300)), headers: JSON_TYPE }),
  ];
}

/** Rare and heavy: megabyte strings and gzip bombs, a few of each. */
function heavyInputs(next: () => number): (() => Input)[] {
  return [
    () => ({
      kind: "megabyte string",
      path: "/v1/traces",
      body: encodeTraceRequestJson([
        {
          traceId: "6b8efff798038103d269b633813fc60c",
          spanId: "aee19b7ec3c1b173",
          name: "big",
          attributes: { big: "y".repeat(Math.floor(500_000 + next() * 600_000)) },
        },
      ]),
      headers: JSON_TYPE,
    }),
    () => ({
      kind: "gzip bomb",
      path: "/v1/traces",
      body: gzipSync(Buffer.alloc(64 * 1024 * 1024)),
      headers: { ...JSON_TYPE, "content-encoding": "gzip" },
    }),
  ];
}

let validCounter = 0;
function validTraffic(): { input: Input; traceId: string } {
  validCounter++;
  const traceId = `f${validCounter.toString(16).padStart(31, "0")}`;
  const body = encodeTraceRequestJson([
    {
      traceId,
      spanId: "00000000000000a1",
      name: "invoke_workflow fuzz-valid",
      startTimeUnixNano: "1790000000000000000",
      endTimeUnixNano: "1790000001000000000",
      attributes: { "gen_ai.workflow.name": "fuzz-valid", "leantrace.outcome": "success" },
    },
    {
      traceId,
      spanId: "00000000000000a2",
      parentSpanId: "00000000000000a1",
      name: "chat",
      startTimeUnixNano: "1790000000100000000",
      endTimeUnixNano: "1790000000200000000",
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.usage.input_tokens": validCounter,
        "gen_ai.usage.output_tokens": 1,
      },
    },
  ]);
  return { input: { kind: "valid", path: "/v1/traces", body, headers: JSON_TYPE }, traceId };
}

describe("fuzzing the ingest endpoints", () => {
  it("answers every bad input with a 4xx and a message, stays up, bounded, and stores valid traffic intact", async () => {
    const next = seededRandom(20261124);
    const generators = makeInputs(next);
    const heavy = heavyInputs(next);
    const statuses = new Map<string, Map<number, number>>();
    const valid: string[] = [];
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    for (let i = 0; i < INPUTS; i++) {
      let input: Input;
      if (i % 50 === 0) {
        const v = validTraffic();
        valid.push(v.traceId);
        input = v.input;
      } else if (i % 2500 === 1) {
        input = (heavy[Math.floor(next() * heavy.length)] as () => Input)();
      } else {
        input = (generators[Math.floor(next() * generators.length)] as () => Input)();
      }
      const response = await collector.app.request(input.path, {
        method: "POST",
        body: input.body,
        headers: input.headers,
      });
      const byStatus = statuses.get(input.kind) ?? new Map<number, number>();
      byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
      statuses.set(input.kind, byStatus);
      if (input.kind === "valid") expect(response.status).toBe(200);
      else
        expect([200, 400, 413, 415], `${input.kind} answered ${response.status}`).toContain(response.status);
      if (response.status !== 200) {
        const text = Buffer.from(await response.arrayBuffer()).toString("utf8");
        expect(text.length, `${input.kind}: a message`).toBeGreaterThan(10);
      } else {
        await response.arrayBuffer();
      }
      if (i % 1000 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }
    await ingest.drained(30_000);
    const summary = [...statuses]
      .map(([kind, byStatus]) => `  ${kind}: ${[...byStatus].map(([s, n]) => `${n}× ${s}`).join(", ")}`)
      .join("\n");
    console.log(
      `fuzz: ${INPUTS} inputs tried, peak RSS growth ${Math.round((rssPeak - rssBefore) / 2 ** 20)} MiB\n${summary}`,
    );

    // Memory stays bounded: no input, not even a gzip bomb, inflates the process.
    expect(rssPeak - rssBefore).toBeLessThan(768 * 2 ** 20);
    // Still up, and every valid request stored intact.
    expect((await collector.app.request("/health")).status).toBe(200);
    const [stored] = await store.select<{ runs: number; tokens: number }>(
      "SELECT count() AS runs, sum(total_tokens) AS tokens FROM {db:Identifier}.runs WHERE workflow = 'fuzz-valid'",
    );
    expect(stored?.runs).toBe(valid.length);
    const expectedTokens = valid.reduce((sum, _, i) => sum + (i + 1) + 1, 0);
    expect(stored?.tokens).toBe(expectedTokens);
  }, 120_000);
});
