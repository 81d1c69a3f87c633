// The loader's batching against the real log and the real embedded engine: a batch short of
// the largest insert waits (up to the linger) for more rows, a full one goes at once, and a
// reader waiting for what it wrote never waits out the linger.
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import { afterEach, describe, expect, it } from "vitest";
import { type InProcessCollector, startInProcessCollector } from "../testing/in-process.ts";

const LINGER_MILLIS = 10_000;
const BATCH_BYTES = 64 * 1024;

let current: InProcessCollector | undefined;

afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function collector(): Promise<InProcessCollector> {
  current = await startInProcessCollector("loader", {
    tuning: { loaderLingerMillis: LINGER_MILLIS, loaderBatchBytes: BATCH_BYTES },
  });
  return current;
}

/** One request of `spans` spans, each carrying `resultChars` of tool output. */
async function post(app: InProcessCollector, n: number, spans: number, resultChars: number): Promise<void> {
  const traceId = (n + 1).toString(16).padStart(32, "0");
  const body = encodeTraceRequestJson(
    Array.from(
      { length: spans },
      (_, i): SpanInput => ({
        traceId,
        spanId: (n * 1000 + i + 1).toString(16).padStart(16, "0"),
        parentSpanId: "",
        name: "execute_tool bash",
        startTimeUnixNano: 1_700_000_000_000_000_000n,
        endTimeUnixNano: 1_700_000_001_000_000_000n,
        attributes: { "gen_ai.tool.call.result": "x".repeat(resultChars) },
      }),
    ),
  );
  const response = await app.app.request("/v1/traces", {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  expect(response.status).toBe(200);
}

async function stored(): Promise<number> {
  const [row] = await (current as InProcessCollector).store.select<{ n: string }>(
    "SELECT count() AS n FROM {db:Identifier}.spans",
  );
  return Number(row?.n);
}

/** Milliseconds until `count` spans are stored, polling; fails past `withinMillis`. */
async function storedWithin(count: number, withinMillis: number): Promise<number> {
  const t0 = Date.now();
  while ((await stored()) < count) {
    if (Date.now() - t0 > withinMillis)
      throw new Error(`${count} spans not stored within ${withinMillis} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Date.now() - t0;
}

describe("the loader's batches", () => {
  it("holds a small batch back for more rows, and a reader waiting for its writes does not wait", async () => {
    const app = await collector();
    // The first insert goes at once (no insert before it to linger after).
    await post(app, 0, 2, 100);
    expect(await storedWithin(2, 5_000)).toBeLessThan(LINGER_MILLIS / 2);
    await post(app, 1, 2, 100);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await stored()).toBe(2);
    const t0 = Date.now();
    await (current as InProcessCollector).ingest.drained(5_000);
    expect(Date.now() - t0).toBeLessThan(LINGER_MILLIS / 2);
    expect(await stored()).toBe(4);
  });

  it("writes a full batch as soon as it is there", async () => {
    const app = await collector();
    await post(app, 0, 2, 100);
    await storedWithin(2, 5_000);
    // 40 spans of 2,000 characters: more than a batch of 64 KiB in the log.
    await post(app, 1, 40, 2_000);
    expect(await storedWithin(42, LINGER_MILLIS / 2)).toBeLessThan(LINGER_MILLIS / 2);
  });
});
