// When disks fill up, storage stops or the log is damaged, nothing acknowledged is lost and no
// request waits on storage: against the real collector command and the real embedded engine,
// with real full disks (small tmpfs mounts; these tests need root, as CI has, and are skipped
// with a reason without it), a log quota, a log cut short by a crash, and a slow client at
// shutdown.
import { execFileSync } from "node:child_process";
import { mkdirSync, statfsSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, rm, stat, truncate, unlink, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeTraceRequestJson } from "@leantrace/otlp";
import { openStore } from "@leantrace/storage";
import { type CollectorProcess, spawnCollector } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
const mounts: string[] = [];
let traceCounter = 0;

function canMount(): boolean {
  const probe = join(tmpdir(), `leantrace-mount-probe-${process.pid}`);
  try {
    mkdirSync(probe, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    execFileSync("rm", ["-rf", probe]);
  }
}
const MOUNTS = canMount();
if (!MOUNTS)
  console.warn("ingest-disk: cannot mount a tmpfs here (not root?): the full-disk tests are skipped");

/** A folder on a disk of its own, `megabytes` large. */
function smallDisk(name: string, megabytes: number): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${megabytes}m`, "tmpfs", path]);
  mounts.push(path);
  return path;
}

/** Fills the disk holding `folder` until `leaveBytes` are free; returns the filler's path. */
function fill(folder: string, leaveBytes: number): string {
  const filler = join(folder, "filler");
  const { bavail, bsize } = statfsSync(folder);
  writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - leaveBytes)));
  return filler;
}

/** A run of 50 LLM spans of 1 token each. */
function run(): { traceId: string; body: string } {
  const traceId = (++traceCounter).toString(16).padStart(32, "d");
  const start = 1_790_000_000_000_000_000n;
  const spans = Array.from({ length: 50 }, (_, i) => ({
    traceId,
    spanId: (i + 1).toString(16).padStart(16, "0"),
    name: "chat",
    startTimeUnixNano: start + BigInt(i),
    endTimeUnixNano: start + BigInt(i) + 5n,
    attributes: {
      "gen_ai.operation.name": "chat",
      "gen_ai.usage.input_tokens": 1,
      "gen_ai.output.messages": "x".repeat(2000),
    },
  }));
  return { traceId, body: encodeTraceRequestJson(spans) };
}

async function post(collector: CollectorProcess, body: string) {
  const response = await fetch(`${collector.url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    text: await response.text(),
  };
}

async function health(collector: CollectorProcess) {
  return (await (await fetch(`${collector.url}/health`)).json()) as {
    status: string;
    storage: string;
    problems: string[];
    log: { pendingBytes: number };
  };
}

async function until(condition: () => Promise<boolean>, what: string, millis = 30_000): Promise<void> {
  const deadline = Date.now() + millis;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Stops the collector and counts the spans stored per trace. */
async function storedPerTrace(collector: CollectorProcess, data: string): Promise<Map<string, number>> {
  expect(await collector.stop(), collector.output()).toBe(0);
  const store = await openStore({ dataDir: data });
  try {
    const rows = await store.select<{ trace_id: string; n: number }>(
      "SELECT trace_id, count() AS n FROM {db:Identifier}.spans FINAL GROUP BY trace_id",
    );
    return new Map(rows.map((r) => [r.trace_id, r.n]));
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-disk-"));
});

afterAll(async () => {
  for (const path of mounts) execFileSync("umount", ["-l", path]);
  await rm(dir, { recursive: true, force: true });
});

describe("full disks", () => {
  it.skipIf(!MOUNTS)(
    "keeps answering 200 while the data disk is full, and stores it all once there is room",
    async () => {
      const data = join(smallDisk("data-disk", 256), "data");
      const collector = await spawnCollector([
        "--data",
        data,
        "--wal",
        join(dir, "wal-a"),
        "--analyze-interval-seconds",
        "0",
      ]);
      const filler = fill(data, 0);
      const sent: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = run();
        const answer = await post(collector, r.body);
        expect(answer.status, answer.text).toBe(200);
        sent.push(r.traceId);
      }
      await until(
        async () => (await health(collector)).storage === "unavailable",
        "health says storage is unavailable",
      );
      expect((await health(collector)).status).toBe("degraded");
      await unlink(filler);
      await until(async () => (await health(collector)).log.pendingBytes === 0, "the log is loaded");
      expect((await health(collector)).storage).toBe("ok");
      const stored = await storedPerTrace(collector, data);
      for (const traceId of sent) expect(stored.get(traceId), traceId).toBe(50);
    },
  );

  it.skipIf(!MOUNTS)(
    "answers 503 with Retry-After while the log's disk is full, keeps no torn frame, and goes on once there is room",
    async () => {
      const wal = join(smallDisk("wal-disk", 8), "wal");
      const data = join(dir, "data-b");
      let collector = await spawnCollector(["--data", data, "--wal", wal, "--analyze-interval-seconds", "0"]);
      const filler = fill(wal, 256 * 1024);
      const acknowledged: string[] = [];
      let refused: Awaited<ReturnType<typeof post>> | undefined;
      for (let i = 0; i < 40 && refused === undefined; i++) {
        const r = run();
        const answer = await post(collector, r.body);
        if (answer.status === 200) acknowledged.push(r.traceId);
        else refused = answer;
      }
      expect(refused?.status).toBe(503);
      expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
      expect(refused?.text).toMatch(/could not be written.*(no space|ENOSPC)/i);
      expect((await health(collector)).status).toBe("degraded");
      await unlink(filler);
      const after = run();
      expect((await post(collector, after.body)).status).toBe(200);
      acknowledged.push(after.traceId);
      // A restart finds only whole frames: nothing had to be set aside.
      expect(await collector.stop()).toBe(0);
      collector = await spawnCollector(["--data", data, "--wal", wal, "--analyze-interval-seconds", "0"]);
      expect(collector.output()).not.toMatch(/set-aside|not a whole frame/);
      const stored = await storedPerTrace(collector, data);
      for (const traceId of acknowledged) expect(stored.get(traceId), traceId).toBe(50);
      expect(stored.size).toBe(acknowledged.length);
    },
  );
});

describe("storage refusing inserts", () => {
  it("answers 503 with Retry-After once its log holds its quota, says degraded, and loads it all later", async () => {
    const data = join(dir, "data-c");
    const wal = join(dir, "wal-c");
    let store = await openStore({ dataDir: data });
    await store.command("ALTER TABLE {db:Identifier}.spans MODIFY SETTING parts_to_throw_insert = 0");
    await store.close();
    let collector = await spawnCollector([
      "--data",
      data,
      "--wal",
      wal,
      "--wal-max-bytes",
      String(1024 * 1024),
    ]);
    const acknowledged: string[] = [];
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      const r = run();
      const answer = await post(collector, r.body);
      if (answer.status === 200) acknowledged.push(r.traceId);
      else refused = answer;
    }
    expect(acknowledged.length).toBeGreaterThan(5);
    expect(refused?.status).toBe(503);
    expect(refused?.retryAfter).toBe("5");
    expect(refused?.text).toMatch(/write-ahead log holds \d+ bytes not yet loaded into storage/);
    const degraded = await health(collector);
    expect(degraded).toMatchObject({ status: "degraded", storage: "unavailable" });
    expect(degraded.problems.join(" ")).toMatch(/too many parts/i);
    expect(await collector.stop()).toBe(0);
    store = await openStore({ dataDir: data });
    await store.command("ALTER TABLE {db:Identifier}.spans RESET SETTING parts_to_throw_insert");
    await store.close();
    collector = await spawnCollector(["--data", data, "--wal", wal]);
    const stored = await storedPerTrace(collector, data);
    for (const traceId of acknowledged) expect(stored.get(traceId), traceId).toBe(50);
  });
});

describe("a damaged log", () => {
  it("sets aside a frame cut short and a file it does not know, starts, and loads every whole frame", async () => {
    const data = join(dir, "data-d");
    const wal = join(dir, "wal-d");
    let store = await openStore({ dataDir: data });
    await store.command("ALTER TABLE {db:Identifier}.spans MODIFY SETTING parts_to_throw_insert = 0");
    await store.close();
    let collector = await spawnCollector(["--data", data, "--wal", wal]);
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = run();
      expect((await post(collector, r.body)).status).toBe(200);
      sent.push(r.traceId);
    }
    collector.child.kill("SIGKILL");
    await collector.stop();
    // As a crash in the middle of the last write would leave it, and a stray file beside it.
    const segment = (await readdir(wal))
      .filter((f) => f.endsWith(".wal"))
      .sort()
      .at(-1);
    const path = join(wal, segment as string);
    await truncate(path, (await stat(path)).size - 100);
    await writeFile(join(wal, "notes.txt"), "not a log file");
    store = await openStore({ dataDir: data });
    await store.command("ALTER TABLE {db:Identifier}.spans RESET SETTING parts_to_throw_insert");
    await store.close();
    collector = await spawnCollector(["--data", data, "--wal", wal]);
    expect(collector.output()).toMatch(/not a whole frame .*moved to .*set-aside/);
    expect(collector.output()).toMatch(/notes\.txt is not part of the log: left alone/);
    const stored = await storedPerTrace(collector, data);
    // The last request's frame was cut: the four before it are whole and stored.
    for (const traceId of sent.slice(0, 4)) expect(stored.get(traceId), traceId).toBe(50);
    expect(stored.get(sent[4] as string)).toBeUndefined();
    expect((await readdir(join(wal, "set-aside"))).length).toBe(1);
  });
});

describe("stopping", () => {
  it("answers a client still sending its body 503 and exits within its grace period", async () => {
    const collector = await spawnCollector(["--data", join(dir, "data-e"), "--wal", join(dir, "wal-e")]);
    const { port } = new URL(collector.url);
    const socket = connect(Number(port), "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk) => {
      answer += chunk.toString();
    });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
    socket.write(
      "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const t0 = Date.now();
    expect(await collector.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    expect(answer).toMatch(/stopping/);
  });

  it("warns when it listens beyond loopback", async () => {
    const collector = await spawnCollector([
      "--host",
      "0.0.0.0",
      "--data",
      join(dir, "data-f"),
      "--wal",
      join(dir, "wal-f"),
    ]);
    expect(collector.output()).toMatch(/listening on 0\.0\.0\.0: reachable from other machines/);
    expect(await collector.stop()).toBe(0);
  });
});
