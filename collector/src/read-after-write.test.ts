// A read waits a bounded time for what was acknowledged before it to reach storage; when it
// stops waiting, its answer says how many bytes are still on their way (real log, real engine).
import { PENDING_BYTES_HEADER } from "@leantrace/conventions";
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import { afterEach, describe, expect, it } from "vitest";
import { type InProcessCollector, startInProcessCollector } from "./testing/in-process.ts";

let current: InProcessCollector | undefined;

afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** 2,000 spans of 2,000 characters each: an insert the engine takes far longer than 1 ms over. */
function heavyRequest(): string {
  return encodeTraceRequestJson(
    Array.from(
      { length: 2_000 },
      (_, i): SpanInput => ({
        traceId: "1".padStart(32, "0"),
        spanId: (i + 1).toString(16).padStart(16, "0"),
        parentSpanId: "",
        name: "execute_tool bash",
        startTimeUnixNano: 1_700_000_000_000_000_000n,
        endTimeUnixNano: 1_700_000_001_000_000_000n,
        attributes: { "gen_ai.tool.call.result": `${i} `.repeat(700).slice(0, 2_000) },
      }),
    ),
  );
}

const sql = (app: InProcessCollector) =>
  app.app.request("/api/v1/sql", {
    method: "POST",
    body: JSON.stringify({ query: "SELECT count() AS n FROM leantrace.spans" }),
    headers: { "content-type": "application/json" },
  });

describe("reads after writes", () => {
  it("say how much acknowledged data they did not wait for, and nothing once it is stored", async () => {
    const app = await startInProcessCollector("read-after-write", { tuning: { readAfterWriteMillis: 1 } });
    current = app;
    const posted = await app.app.request("/v1/traces", {
      method: "POST",
      body: heavyRequest(),
      headers: { "content-type": "application/json" },
    });
    expect(posted.status).toBe(200);
    const [runs, query] = await Promise.all([app.app.request("/api/v1/runs"), sql(app)]);
    expect(runs.status).toBe(200);
    expect(query.status).toBe(200);
    expect(Number(runs.headers.get(PENDING_BYTES_HEADER))).toBeGreaterThan(0);
    expect(Number(query.headers.get(PENDING_BYTES_HEADER))).toBeGreaterThan(0);

    await app.ingest.drained(30_000);
    const [after, afterQuery] = await Promise.all([app.app.request("/api/v1/runs"), sql(app)]);
    expect(after.headers.get(PENDING_BYTES_HEADER)).toBeNull();
    expect(afterQuery.headers.get(PENDING_BYTES_HEADER)).toBeNull();
    expect(await afterQuery.json()).toMatchObject({ rows: [[2000]] });
  });
});
