// The in-flight budget against a burst: requests past it wait their turn (bodies unread) and
// are all stored; with no time to wait, the ones past it are refused with 429 and stored never.
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import { afterEach, describe, expect, it } from "vitest";
import { type InProcessCollector, startInProcessCollector } from "./testing/in-process.ts";

const BUDGET = 256 * 1024;
let current: InProcessCollector | undefined;

afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function collector(inFlightWaitMillis: number): Promise<InProcessCollector> {
  current = await startInProcessCollector("in-flight", {
    tuning: { maxInFlightBytes: BUDGET, inFlightWaitMillis },
  });
  return current;
}

/** A request of 20 spans of about 7 KB each: a little over half the budget. */
function request(n: number): string {
  const traceId = (n + 1).toString(16).padStart(32, "0");
  const spans: SpanInput[] = Array.from({ length: 20 }, (_, i) => ({
    traceId,
    spanId: (n * 100 + i + 1).toString(16).padStart(16, "0"),
    parentSpanId: "",
    name: "step",
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_001_000_000_000n,
    attributes: { "gen_ai.tool.call.result": `output ${n} ${i} `.repeat(600) },
  }));
  return encodeTraceRequestJson(spans);
}

async function burst(app: InProcessCollector, count: number) {
  const bodies = Array.from({ length: count }, (_, n) => request(n));
  expect(Buffer.byteLength(bodies[0] as string)).toBeGreaterThan(BUDGET / 2);
  return Promise.all(
    bodies.map((body) =>
      app.app.request("/v1/traces", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
      }),
    ),
  );
}

async function storedSpans(): Promise<number> {
  await current?.ingest.drained(10_000);
  const [row] =
    (await current?.store.select<{ n: number }>("SELECT count() AS n FROM {db:Identifier}.spans")) ?? [];
  return Number(row?.n ?? 0);
}

describe("the in-flight budget", () => {
  it("holds a burst back instead of refusing it: every request waits its turn and is stored", async () => {
    const app = await collector(10_000);
    const answers = await burst(app, 6);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await storedSpans()).toBe(6 * 20);
  });

  it("refuses what cannot wait with 429 and Retry-After, and stores exactly what it acknowledged", async () => {
    const app = await collector(0);
    const answers = await burst(app, 6);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.headers.get("retry-after")).toBe("2");
    expect(await refused[0]?.text()).toContain("as many request bytes as it may");
    const accepted = answers.filter((a) => a.status === 200).length;
    expect(accepted).toBeGreaterThan(0);
    expect(await storedSpans()).toBe(accepted * 20);
  });
});
