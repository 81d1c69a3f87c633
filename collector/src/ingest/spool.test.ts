// Storage that cannot take inserts (ClickHouse's "too many parts", forced here with a table
// setting on the real embedded engine): batches go to the spool and are acknowledged, then
// loaded in order once storage recovers, or by the next start; past its quota the spool
// refuses and the collector answers 503 with Retry-After.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type Store } from "@leantrace/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCollectorApp } from "../app.ts";
import { encodeTraceRequestJson } from "../otlp/encode-json.ts";
import { Spool } from "./spool.ts";

let dir: string;
let store: Store;
let counter = 0;

function batch(spans: number): string {
  counter++;
  const traceId = `5${counter.toString(16).padStart(31, "0")}`;
  return encodeTraceRequestJson(
    Array.from({ length: spans }, (_, i) => ({
      traceId,
      spanId: (i + 1).toString(16).padStart(16, "0"),
      name: "chat",
      startTimeUnixNano: "1790000000000000000",
      endTimeUnixNano: "1790000000100000000",
      attributes: { "gen_ai.usage.input_tokens": 3 },
    })),
  );
}

const writers = () => ({
  spans: (rows: readonly object[]) => store.insertSpans(rows as never),
  outcomes: (rows: readonly object[]) => store.insertOutcomes(rows as never),
});

async function storedSpans(): Promise<number> {
  const [row] = await store.select<{ n: number }>("SELECT count() AS n FROM {db:Identifier}.spans FINAL");
  return row?.n ?? 0;
}

const breakStorage = () =>
  store.command("ALTER TABLE {db:Identifier}.spans MODIFY SETTING parts_to_throw_insert = 1");
const repairStorage = () =>
  store.command("ALTER TABLE {db:Identifier}.spans RESET SETTING parts_to_throw_insert");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-spool-"));
  store = await openStore({ dataDir: join(dir, "data") });
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the spool", () => {
  it("acknowledges batches storage cannot take, and loads them in order when it recovers", async () => {
    const spool = new Spool({ dir: join(dir, "spool") }, writers());
    const { app, flush } = createCollectorApp(store, { spool, batch: { maxDelayMillis: 1 } });
    const send = (body: string) =>
      app.request("/v1/traces", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect((await send(batch(10))).status).toBe(200);
    expect(await storedSpans()).toBe(10);

    await breakStorage();
    for (let i = 0; i < 20; i++) expect((await send(batch(10))).status).toBe(200);
    await flush();
    expect(spool.pending.batches).toBeGreaterThan(0);
    expect(await storedSpans()).toBe(10);

    // Still down: a retry loads nothing and loses nothing.
    expect(await spool.drain()).toBe(0);
    await repairStorage();
    expect(await spool.drain()).toBeGreaterThan(0);
    expect(spool.pending.batches).toBe(0);
    expect(await storedSpans()).toBe(210);
    expect((await readdir(join(dir, "spool"))).filter((f) => !f.startsWith("."))).toEqual([]);
  });

  it("keeps what it holds for the next start", async () => {
    await breakStorage();
    const first = new Spool({ dir: join(dir, "restart") }, writers());
    const { app, flush } = createCollectorApp(store, { spool: first, batch: { maxDelayMillis: 1 } });
    for (let i = 0; i < 5; i++) {
      const response = await app.request("/v1/traces", {
        method: "POST",
        body: batch(4),
        headers: { "content-type": "application/json" },
      });
      expect(response.status).toBe(200);
    }
    await flush();
    // The process ends here without loading; the next one finds the files and loads them.
    await repairStorage();
    const next = new Spool({ dir: join(dir, "restart") }, writers());
    expect(next.pending.batches).toBe(first.pending.batches);
    await next.drain();
    expect(await storedSpans()).toBe(230);
  });

  it("refuses past its quota, and the collector answers 503 with Retry-After", async () => {
    await breakStorage();
    try {
      const spool = new Spool({ dir: join(dir, "small"), maxBytes: 6000 }, writers());
      const { app } = createCollectorApp(store, { spool, batch: { maxDelayMillis: 1 } });
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 10; i++) {
        const response = await app.request("/v1/traces", {
          method: "POST",
          body: batch(5),
          headers: { "content-type": "application/json" },
        });
        statuses.push(response.status);
        if (response.status === 503) retryAfter = response.headers.get("retry-after");
      }
      expect(statuses[0]).toBe(200);
      expect(statuses).toContain(503);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(spool.pending.bytes).toBeLessThanOrEqual(6000);
    } finally {
      await repairStorage();
    }
  });
});
