import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "./store.ts";

describe("openStore", () => {
  it("migrates once and sets each table's retention as a TTL", async () => {
    const dir = await mkdtemp(join(tmpdir(), "leantrace-store-test-"));
    try {
      let store = await openStore({ dataDir: dir, retention: { spansDays: 7, findingsDays: 90 } });
      const ttl = async (table: string) => {
        const [row] = await store.select<{ engine_full: string }>(
          "SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {t:String}",
          { t: table },
        );
        return row?.engine_full ?? "";
      };
      expect(await ttl("spans")).toContain("TTL toDateTime(ingested_at) + toIntervalDay(7)");
      expect(await ttl("findings")).toContain("TTL toDateTime(created_at) + toIntervalDay(90)");
      await store.close();
      // Opening again applies nothing twice and takes the new retention.
      store = await openStore({ dataDir: dir, retention: { spansDays: 30 } });
      const versions = await store.select<{ version: number }>(
        "SELECT version FROM {db:Identifier}.schema_migrations",
      );
      expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual([
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
      ]);
      expect(await ttl("spans")).toContain("toIntervalDay(30)");
      // Migration 11: the wide spans table's parts use small compression buffers, its merges a larger base.
      expect(await ttl("spans")).toContain("max_compress_block_size = 131072");
      expect(await ttl("spans")).toContain("merge_selector_base = 10");
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a retention that is not whole days", async () => {
    await expect(openStore({ dataDir: "/tmp/unused", retention: { spansDays: 0 } })).rejects.toThrow(
      "retention spansDays 0 is not valid: expected whole days from 1 to 36500",
    );
  });
});
