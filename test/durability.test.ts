// Nothing acknowledged is lost: a load of spans with client retries, the collector killed with
// SIGKILL halfway and started again on the same data: exactly the spans sent, each once.
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import { openStore } from "@leantrace/storage";
import { type CollectorProcess, spawnCollector } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BATCHES = 60;
const SPANS_PER_BATCH = 50;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-durability-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function batch(n: number): string {
  const traceId = (n + 1).toString(16).padStart(32, "0");
  return encodeTraceRequestJson(
    Array.from(
      { length: SPANS_PER_BATCH },
      (_, i): SpanInput => ({
        traceId,
        spanId: (i + 1).toString(16).padStart(16, "0"),
        parentSpanId: i === 0 ? "" : "0000000000000001",
        name: i === 0 ? "invoke_workflow durable" : "chat",
        startTimeUnixNano: 1_790_000_000_000_000_000n + BigInt(i),
        endTimeUnixNano: 1_790_000_000_100_000_000n + BigInt(i),
        attributes:
          i === 0
            ? { "gen_ai.workflow.name": "durable" }
            : { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 10 },
      }),
    ),
  );
}

describe("durability", () => {
  it("keeps exactly what was sent through a SIGKILL and a restart, with client retries", async () => {
    let collector: CollectorProcess = await spawnCollector(["--data", join(dir, "data")]);
    let restarting: Promise<void> | undefined;
    let attempts = 0;
    /** Like an OTLP exporter: retry until the collector acknowledges. */
    const send = async (body: string) => {
      for (;;) {
        attempts++;
        try {
          const response = await fetch(`${collector.url}/v1/traces`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
          });
          if (response.status === 200) return;
        } catch {
          // Refused or cut off: the collector is down; wait for it.
        }
        await (restarting ?? new Promise((resolve) => setTimeout(resolve, 50)));
      }
    };
    for (let n = 0; n < BATCHES; n++) {
      if (n === BATCHES / 2) {
        // Kill it while a batch is in flight, then start it again on the same data.
        const inFlight = send(batch(n));
        collector.child.kill("SIGKILL");
        restarting = (async () => {
          await collector.stop();
          collector = await spawnCollector(["--data", join(dir, "data")]);
        })();
        await restarting;
        restarting = undefined;
        await inFlight;
        continue;
      }
      await send(batch(n));
    }
    expect(await collector.stop()).toBe(0);
    expect(attempts).toBeGreaterThan(BATCHES);

    const store = await openStore({ dataDir: join(dir, "data") });
    try {
      const [counts] = await store.select<{ spans: number; distinct: number; tokens: number }>(
        `SELECT count() AS spans, uniqExact(trace_id, span_id) AS distinct, sum(total_tokens) AS tokens
         FROM {db:Identifier}.spans FINAL`,
      );
      expect(counts).toEqual({
        spans: BATCHES * SPANS_PER_BATCH,
        distinct: BATCHES * SPANS_PER_BATCH,
        tokens: BATCHES * (SPANS_PER_BATCH - 1) * 10,
      });
    } finally {
      await store.close();
    }
  });
});

describe("durability while storage refuses inserts", () => {
  it("keeps what it acknowledged in its log through a SIGKILL and loads it at the next start", async () => {
    const data = join(dir, "refusing-data");
    const wal = join(dir, "wal");
    // Storage that refuses every insert ("too many parts"), set in the table's own settings so
    // that the collector process finds it so.
    let store = await openStore({ dataDir: data });
    await store.command("ALTER TABLE {db:Identifier}.spans MODIFY SETTING parts_to_throw_insert = 0");
    await store.close();

    let collector = await spawnCollector(["--data", data, "--wal", wal]);
    for (let n = 0; n < 10; n++) {
      const response = await fetch(`${collector.url}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: batch(1000 + n),
      });
      expect(response.status).toBe(200);
    }
    collector.child.kill("SIGKILL");
    await collector.stop();

    // Everything acknowledged sits in the log, not in storage.
    const segments = (await readdir(wal)).filter((f) => f.endsWith(".wal"));
    let logged = 0;
    for (const segment of segments) logged += (await stat(join(wal, segment))).size;
    expect(logged).toBeGreaterThan(10 * SPANS_PER_BATCH * 100);
    // Storage recovers; the next start loads what the killed process had acknowledged.
    store = await openStore({ dataDir: data });
    expect((await store.select<{ n: number }>("SELECT count() AS n FROM {db:Identifier}.spans"))[0]?.n).toBe(
      0,
    );
    await store.command("ALTER TABLE {db:Identifier}.spans RESET SETTING parts_to_throw_insert");
    await store.close();
    collector = await spawnCollector(["--data", data, "--wal", wal]);
    const code = await collector.stop();
    expect(code, collector.output()).toBe(0);

    store = await openStore({ dataDir: data });
    try {
      const [counts] = await store.select<{ spans: number }>(
        "SELECT count() AS spans FROM {db:Identifier}.spans FINAL",
      );
      expect(counts?.spans).toBe(10 * SPANS_PER_BATCH);
    } finally {
      await store.close();
    }
  });
});
