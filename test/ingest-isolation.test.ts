// One client's data never costs another client theirs. Against the real collector command and
// the real embedded engine: a backfill spread over 240 months beside a normal client, each
// poison value beside ten concurrent innocent requests, a 15 MiB request of bare spans, a row
// storage refuses for good. Every innocent request is answered 200 and every span it carried is
// stored; the poison is stored made valid, refused alone, or set aside with its reason.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import { openStore } from "@leantrace/storage";
import { type CollectorProcess, runCli, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAX_ATTRIBUTE_CHARS = 1000;

let dir: string;
let collector: CollectorProcess;
let traceCounter = 0;
/** Every innocent span sent and acknowledged, per trace: what storage must hold at the end. */
const acknowledged = new Map<string, number>();

// Zeros after a leading 7: padding with 7s made trace 0x71 the same id as trace 0x1.
const nextTrace = () => `7${(++traceCounter).toString(16).padStart(31, "0")}`;
const spanId = (i: number) => (i + 1).toString(16).padStart(16, "0");
const START = 1_790_000_000_000_000_000n;

/** A run of `n` LLM spans of 1 token each, under a root: its run's tokens are its span count. */
function innocentRun(n: number, traceId = nextTrace()): { traceId: string; body: string; spans: number } {
  const spans: SpanInput[] = [
    {
      traceId,
      spanId: spanId(0),
      name: "invoke_workflow innocent",
      startTimeUnixNano: START,
      endTimeUnixNano: START + 10n,
    },
    ...Array.from({ length: n }, (_, i) => ({
      traceId,
      spanId: spanId(i + 1),
      parentSpanId: spanId(0),
      name: "chat",
      startTimeUnixNano: START + BigInt(i),
      endTimeUnixNano: START + BigInt(i) + 5n,
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 1 },
    })),
  ];
  return { traceId, body: encodeTraceRequestJson(spans, { "service.name": "innocent" }), spans: n + 1 };
}

async function post(body: string | Uint8Array, contentType = "application/json") {
  const response = await fetch(`${collector.url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  return { status: response.status, text: Buffer.from(await response.arrayBuffer()).toString("utf8") };
}

/** Ten innocent requests at once beside `attack`: all ten must be answered 200. */
async function besideInnocents<T>(attack: () => Promise<T>): Promise<T> {
  const innocents = Array.from({ length: 10 }, () => innocentRun(20));
  const [result, ...answers] = await Promise.all([attack(), ...innocents.map((r) => post(r.body))]);
  answers.forEach((answer, i) => {
    expect(answer.status, answer.text).toBe(200);
    const run = innocents[i] as { traceId: string; spans: number };
    acknowledged.set(run.traceId, run.spans);
  });
  return result;
}

/** A one-span request written as raw OTLP/JSON, for values no encoder would produce. */
function rawSpan(traceId: string, attributes: string): string {
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${traceId}","spanId":"00000000000000aa","name":"chat","startTimeUnixNano":"${START}","endTimeUnixNano":"${START + 1n}","attributes":[${attributes}]}]}]}]}`;
}

/** Peak resident memory of the collector process, in bytes. */
async function peakRss(): Promise<number> {
  const status = await readFile(`/proc/${collector.child.pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}

/**
 * OTLP protobuf of `count` spans holding only their ids (the most spans a body can carry), each
 * followed by `tail(i)`'s bytes inside its message.
 */
function bareProtobufSpans(count: number, tail: (i: number) => number[] = () => []): Buffer {
  const span = (i: number) => {
    const ids = Buffer.alloc(2 + 16 + 2 + 8);
    ids[0] = 0x0a; // trace_id, length-delimited
    ids[1] = 16;
    ids.writeUInt32BE(i + 1, 14);
    ids[18] = 0x12; // span_id
    ids[19] = 8;
    ids.writeUInt32BE(i + 1, 24);
    const message = Buffer.concat([ids, Buffer.from(tail(i))]);
    return Buffer.concat([Buffer.from([0x12, message.length]), message]); // ScopeSpans.spans
  };
  const varint = (n: number) => {
    const out: number[] = [];
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    return Buffer.from(out);
  };
  const scopeSpans = Buffer.concat(Array.from({ length: count }, (_, i) => span(i)));
  const resourceSpans = Buffer.concat([Buffer.from([0x12]), varint(scopeSpans.length), scopeSpans]);
  return Buffer.concat([Buffer.from([0x0a]), varint(resourceSpans.length), resourceSpans]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-isolation-"));
  // A row storage will always refuse (a table constraint, as a stricter schema or a bad value
  // would): set before the collector opens the directory.
  const store = await openStore({ dataDir: join(dir, "data") });
  await store.command(
    "ALTER TABLE {db:Identifier}.spans ADD CONSTRAINT refuses_one_model CHECK model != 'refused-by-storage'",
  );
  await store.close();
  collector = await spawnCollector([
    ...storeFlags(dir),
    "--analyze-interval-seconds",
    "0",
    "--max-attribute-chars",
    String(MAX_ATTRIBUTE_CHARS),
    // Through the worker threads: the same guarantees whichever way requests are normalized.
    "--ingest-threads",
    "2",
  ]);
});

afterAll(async () => {
  await collector?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("one client never costs another its data", () => {
  it("stores a backfill over 240 months beside a normal client's requests", async () => {
    const traceId = nextTrace();
    const months = Array.from(
      { length: 240 },
      (_, m): SpanInput => ({
        traceId,
        spanId: spanId(m),
        name: "chat",
        // One span on the first of each month from 2006 on.
        startTimeUnixNano: BigInt(Date.UTC(2006, m, 1)) * 1_000_000n,
        endTimeUnixNano: BigInt(Date.UTC(2006, m, 1)) * 1_000_000n + 1000n,
        attributes: { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 1 },
      }),
    );
    const answer = await besideInnocents(() => post(encodeTraceRequestJson(months)));
    expect(answer.status, answer.text).toBe(200);
    acknowledged.set(traceId, 240);
  });

  it("clamps token counts beyond any real one, and says so, without failing the others", async () => {
    const huge = await besideInnocents(() =>
      post(rawSpan(nextTrace(), '{"key":"gen_ai.usage.input_tokens","value":{"doubleValue":1e300}}')),
    );
    expect(huge.status).toBe(200);
    expect(JSON.parse(huge.text).partialSuccess.errorMessage).toMatch(/token count of 1e\+300 was clamped/);
    // Past 2^64 as a JSON int64: saturated and clamped, never wrapped to a small number.
    const wrapped = await besideInnocents(() =>
      post(
        rawSpan(
          nextTrace(),
          '{"key":"gen_ai.usage.output_tokens","value":{"intValue":"18446744073709551621"}}',
        ),
      ),
    );
    expect(wrapped.status).toBe(200);
    expect(JSON.parse(wrapped.text).partialSuccess.errorMessage).toMatch(/clamped/);
  });

  it("makes lone surrogates valid, in attributes and in run ids, and cuts long text between characters", async () => {
    for (const attributes of [
      '{"key":"gen_ai.tool.call.result","value":{"stringValue":"half a pair: \\ud800 here"}}',
      '{"key":"leantrace.run.id","value":{"stringValue":"run-\\udfff"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"3"}}',
      `{"key":"long","value":{"stringValue":"${"a".repeat(MAX_ATTRIBUTE_CHARS - 1)}${"😀".repeat(10)}"}}`,
    ]) {
      const answer = await besideInnocents(() => post(rawSpan(nextTrace(), attributes)));
      expect(answer.status, answer.text).toBe(200);
    }
    const outcome = await besideInnocents(async () => {
      const response = await fetch(`${collector.url}/v1/outcomes`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"runId":"late-\\ud83d","outcome":"success"}',
      });
      return response.status;
    });
    expect(outcome).toBe(200);
  });

  it("rejects only the span whose field cannot be decoded, and names the field", async () => {
    const traceId = nextTrace();
    const good = `{"traceId":"${traceId}","spanId":"00000000000000a1","name":"chat","startTimeUnixNano":"${START}","endTimeUnixNano":"${START + 1n}"}`;
    const notAnInteger = `{"traceId":"${traceId}","spanId":"00000000000000a2","name":"chat","attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1e300"}}]}`;
    const tooDeep = `{"traceId":"${traceId}","spanId":"00000000000000a3","name":"chat","attributes":[{"key":"deep","value":${'{"arrayValue":{"values":['.repeat(40)}${"]}}".repeat(40)}}]}`;
    const answer = await besideInnocents(() =>
      post(`{"resourceSpans":[{"scopeSpans":[{"spans":[${notAnInteger},${good},${tooDeep}]}]}]}`),
    );
    expect(answer.status, answer.text).toBe(200);
    const partial = JSON.parse(answer.text).partialSuccess;
    expect(partial.rejectedSpans).toBe("2");
    expect(partial.errorMessage).toMatch(/span\.attributes\[0\]\.value\.intValue: expected an integer/);
    expect(partial.errorMessage).toMatch(/nested deeper than 32 levels/);
    acknowledged.set(traceId, 1);
    // In protobuf, a span whose own message is malformed (an unknown wire type) goes alone.
    const protobuf = await besideInnocents(() =>
      post(
        bareProtobufSpans(3, (i) => (i === 1 ? [0x0f] : [])),
        "application/x-protobuf",
      ),
    );
    expect(protobuf.status, protobuf.text).toBe(200);
    expect(protobuf.text).toMatch(/rejected 1 span\(s\): span: invalid protobuf: .*wire type 7/);
    acknowledged.set("00000000000000000000000000000001", 1);
    acknowledged.set("00000000000000000000000000000003", 1);
  });

  it("takes JSON nested 100,000 levels deep inside a string attribute as plain text", async () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const answer = await besideInnocents(() =>
      post(
        rawSpan(
          nextTrace(),
          `{"key":"gen_ai.tool.name","value":{"stringValue":"bash"}},{"key":"gen_ai.tool.call.arguments","value":{"stringValue":"${deep}"}}`,
        ),
      ),
    );
    expect(answer.status, answer.text).toBe(200);
  });

  it("refuses 15 MiB of bare spans with 413 before they fill its memory", async () => {
    const before = await peakRss();
    const body = bareProtobufSpans(540_000);
    expect(body.length).toBeGreaterThan(15 * 1024 * 1024);
    const answer = await besideInnocents(() => post(body, "application/x-protobuf"));
    expect(answer.status).toBe(413);
    expect(answer.text).toMatch(/more than 50000 spans/);
    // The body itself is read (15 MiB), but not decoded into half a million spans.
    expect((await peakRss()) - before).toBeLessThan(200 * 1024 * 1024);
  });

  it("sets aside a row storage refuses for good, stores the rest of its batch, and says so in status", async () => {
    const traceId = nextTrace();
    const spans = innocentRun(30, traceId);
    const refused = rawSpan(
      traceId,
      '{"key":"gen_ai.request.model","value":{"stringValue":"refused-by-storage"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"1"}}',
    );
    const [a, b] = await besideInnocents(() => Promise.all([post(spans.body), post(refused)]));
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    acknowledged.set(traceId, spans.spans);
    // Everything accepted so far reaches storage (the analysis waits for it), the refused row aside.
    const analyzed = await fetch(`${collector.url}/api/v1/analyze`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(analyzed.status, await analyzed.text()).toBe(200);
    const status = await runCli(["status", "--endpoint", collector.url]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/degraded/);
    expect(status.stdout).toMatch(
      /dead letters: 1 row\(s\) in .*rows\.ndjson; latest reason: .*refuses_one_model/,
    );
    const json = JSON.parse((await runCli(["status", "--json", "--endpoint", collector.url])).stdout);
    expect(json).toMatchObject({ status: "degraded", storage: "ok", deadLetters: { rows: 1 } });
    const letters = (await readFile(json.deadLetters.file, "utf8")).trim().split("\n");
    expect(letters).toHaveLength(1);
    expect(JSON.parse(letters[0] as string)).toMatchObject({
      table: "spans",
      reason: expect.stringMatching(/constraint/i),
    });
  });

  it("stored exactly the spans it acknowledged, every value made valid", async () => {
    expect((await fetch(`${collector.url}/health`)).status).toBe(200);
    expect(await collector.stop()).toBe(0);
    const store = await openStore({ dataDir: join(dir, "data") });
    try {
      const rows = await store.select<{ trace_id: string; n: number }>(
        "SELECT trace_id, count() AS n FROM {db:Identifier}.spans FINAL GROUP BY trace_id",
      );
      const stored = new Map(rows.map((r) => [r.trace_id, r.n]));
      for (const [traceId, spans] of acknowledged) expect(stored.get(traceId), traceId).toBe(spans);
      const [clamped] = await store.select<{ max: number }>(
        "SELECT max(input_tokens + output_tokens) AS max FROM {db:Identifier}.spans",
      );
      expect(clamped?.max).toBe(1e15);
      const [valid] = await store.select<{ bad: number; replaced: number; emojiCut: number }>(
        `SELECT countIf(NOT isValidUTF8(arrayStringConcat(mapValues(span_attributes))) OR NOT isValidUTF8(run_id)) AS bad,
                countIf(run_id = 'run-\uFFFD') AS replaced,
                countIf(startsWith(span_attributes['long'], '${"a".repeat(MAX_ATTRIBUTE_CHARS - 1)}…[truncated')) AS emojiCut
         FROM {db:Identifier}.spans`,
      );
      expect(valid).toEqual({ bad: 0, replaced: 1, emojiCut: 1 });
      const [outcome] = await store.select<{ n: number }>(
        "SELECT count() AS n FROM {db:Identifier}.outcomes WHERE run_id = 'late-\uFFFD'",
      );
      expect(outcome?.n).toBe(1);
    } finally {
      await store.close();
    }
  });
});
