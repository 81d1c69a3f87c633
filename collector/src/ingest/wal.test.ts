// The log appended to as request handlers do (each append answered once written), and read
// back as the loader reads it: batch after batch from one reused piece of memory, across
// segments, with a frame larger than a batch. Each batch must hold exactly the frames
// appended, in order, whatever an earlier batch left in that memory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Position, WriteAheadLog } from "./wal.ts";
import { FRAME_HEADER_BYTES } from "./wal-frame.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function openLog(segmentBytes: number): Promise<WriteAheadLog> {
  const dir = mkdtempSync(join(tmpdir(), "leantrace-wal-"));
  dirs.push(dir);
  return WriteAheadLog.open({ dir, maxBytes: 64 * 1024 * 1024, segmentBytes, warn: () => undefined });
}

/** A payload of `bytes` lines that says which append it was. */
const payload = (n: number, bytes: number) =>
  Buffer.from(`${JSON.stringify({ n })}\n`.padEnd(bytes, String.fromCharCode(97 + (n % 26))));

describe("the write-ahead log", () => {
  it("writes an append made the moment the one before it is answered", async () => {
    const log = await openLog(1024 * 1024);
    // Before the fix the second append joined the writer that had just finished and waited,
    // unwritten, for some later append to start a new one: here it never resolved (the test
    // times out).
    const sizes = [30_000, 500, 90_000, 20, 4_000];
    // Awaited directly: the next append runs in the very step its predecessor's answer resumes.
    for (const [n, bytes] of sizes.entries()) {
      expect(await log.append("spans", payload(n, bytes))).toEqual({ status: "ok" });
    }
    expect(log.end.offset).toBe(
      sizes.reduce((sum, bytes, n) => sum + FRAME_HEADER_BYTES + payload(n, bytes).length, 0),
    );
    await log.close();
  }, 10_000);

  it("read in batches gives every batch exactly its frames, in order, from memory it reuses", async () => {
    const log = await openLog(200_000);
    const sizes = [30_000, 500, 90_000, 250_000, 1_000, 60_000, 45_000, 7, 120_000, 30_000];
    const appended = sizes.map((bytes, n) => payload(n, bytes));
    for (const p of appended) expect(await log.append("spans", p)).toEqual({ status: "ok" });

    const seen: Buffer[] = [];
    let from: Position = { segment: 1, offset: 0 };
    let batches = 0;
    for (;;) {
      const { frames, next } = await log.read(from, 100_000);
      if (frames.length === 0) break;
      batches++;
      // Copied now: the next read may reuse the memory these payloads are in.
      for (const frame of frames) seen.push(Buffer.from(frame.payload));
      from = next;
    }
    expect(batches).toBeGreaterThan(3);
    expect(seen.map((b) => b.length)).toEqual(appended.map((b) => b.length));
    expect(seen.every((b, n) => b.equals(appended[n] as Buffer))).toBe(true);
    await log.close();
  });
});
