// The write-ahead log: what the collector acknowledges. A request's rows are appended as one
// frame; frames that arrive while a write is on its way go together in the next one (group
// commit), and each write is flushed to disk (fdatasync) before its requests are answered. The
// loader reads the log in order and moves it into ClickHouse in the background; a checkpoint
// says how far it got, and segments wholly behind it are deleted.
//
// Files in the log's folder: `NNNNNNNNNNNN.wal` segments, `checkpoint` (JSON), `set-aside/`
// (bytes that were not whole frames at start: a torn write, damage), `dead-letter/` (rows
// storage can never take, see dead-letter.ts). Anything else is left alone with a warning.
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { type Frame, frameHeader, type LogTable, readFrame } from "./wal-frame.ts";

export interface WalOptions {
  /** The log's folder; created when missing. */
  dir: string;
  /**
   * Bytes acknowledged but not yet loaded that the log may hold; past it, appends are refused
   * (the collector answers 503 with Retry-After) until the loader catches up.
   */
  maxBytes: number;
  /** A segment is closed and a new one started past this size. */
  segmentBytes: number;
  /** Where warnings go (a damaged file set aside, an unknown file). */
  warn: (message: string) => void;
}

/** A place in the log: a segment and a byte offset in it. */
export interface Position {
  segment: number;
  offset: number;
}

/** A frame read back, with the segment it is in. */
export type LoggedFrame = Frame & { segment: number };

export type AppendResult =
  | { status: "ok" }
  /** The log holds `maxBytes` not yet loaded: storage is behind. */
  | { status: "full"; message: string }
  /** The disk refused the write (full, quota, I/O error); nothing of it was kept. */
  | { status: "unwritable"; message: string };

interface Pending {
  /** The frame's header and its payload, written side by side (see frameHeader). */
  parts: [Buffer, Buffer];
  resolve: (result: AppendResult) => void;
}

const frameBytes = (p: Pending) => p.parts[0].length + p.parts[1].length;

/**
 * Writes every byte of `parts` at `position` in gathered writes, copying none of them; a short
 * write goes on from where it stopped, so that on a full disk the next write says why.
 */
async function writeAll(handle: FileHandle, parts: readonly Buffer[], position: number): Promise<void> {
  const total = parts.reduce((n, part) => n + part.length, 0);
  let rest = parts;
  for (let written = 0; written < total; ) {
    const { bytesWritten } = await handle.writev(rest as Buffer[], position + written);
    if (bytesWritten === 0) throw new Error(`the disk took ${written} of ${total} bytes`);
    written += bytesWritten;
    rest = after(rest, bytesWritten);
  }
}

/** `parts` without their first `bytes` bytes. */
function after(parts: readonly Buffer[], bytes: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = bytes;
  for (const part of parts) {
    if (skip >= part.length) {
      skip -= part.length;
      continue;
    }
    rest.push(part.subarray(skip));
    skip = 0;
  }
  return rest;
}

interface Segment {
  sequence: number;
  size: number;
}

/** The most read() keeps for reuse: a larger single frame is read into memory of its own. */
const MAX_ARENA_BYTES = 64 * 1024 * 1024;

const SEGMENT = /^(\d{12})\.wal$/;
const CHECKPOINT = "checkpoint";
const KNOWN = new Set([CHECKPOINT, "set-aside", "dead-letter", `${CHECKPOINT}.tmp`]);

const segmentName = (sequence: number) => `${String(sequence).padStart(12, "0")}.wal`;

export const comparePositions = (a: Position, b: Position) => a.segment - b.segment || a.offset - b.offset;

export class WriteAheadLog {
  readonly dir: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly warn: (message: string) => void;
  /** Every segment not yet deleted, oldest first; the last is the one appended to. */
  private readonly segments: Segment[] = [];
  private loaded: Position;
  private handle: FileHandle | undefined;
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private writing: Promise<void> | undefined;
  private closed = false;
  /** When each flushed write ended, for the age of the oldest row not yet loaded. */
  private commits: { end: Position; at: number }[] = [];
  private lastWriteError: { message: string; at: number } | undefined;
  private readonly listeners = new Set<() => void>();
  private readers = new Map<number, FileHandle>();
  /**
   * Where read() puts the bytes it reads, reused from one call to the next: a fresh buffer for
   * every batch (megabytes, several times a second) outlives the insert it is for and so waits
   * for a full garbage collection, which let tens of MiB of read batches pile up under load.
   */
  private arena = { buffer: Buffer.allocUnsafeSlow(0), used: 0 };

  private constructor(options: WalOptions, loaded: Position) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes;
    this.segmentBytes = options.segmentBytes;
    this.warn = options.warn;
    this.loaded = loaded;
  }

  /** Opens the log, setting aside what is not whole frames, and starts a new segment to append to. */
  static async open(options: WalOptions): Promise<WriteAheadLog> {
    mkdirSync(options.dir, { recursive: true });
    const { warn } = options;
    const sequences: number[] = [];
    for (const name of readdirSync(options.dir).sort()) {
      const match = SEGMENT.exec(name);
      if (match) sequences.push(Number(match[1]));
      else if (!KNOWN.has(name)) warn(`${join(options.dir, name)} is not part of the log: left alone`);
    }
    const checkpoint = readCheckpoint(options.dir, warn);
    const log = new WriteAheadLog(options, checkpoint ?? { segment: sequences[0] ?? 1, offset: 0 });
    const mtimes = new Map<number, number>();
    for (const sequence of sequences) {
      const path = join(options.dir, segmentName(sequence));
      if (checkpoint && sequence < checkpoint.segment) {
        unlinkSync(path);
        continue;
      }
      try {
        const from = checkpoint && sequence === checkpoint.segment ? checkpoint.offset : 0;
        const size = log.recoverSegment(sequence, from);
        log.segments.push({ sequence, size });
        mtimes.set(sequence, statSync(path).mtimeMs);
      } catch (error) {
        log.setAside(path, `${segmentName(sequence)}`, `cannot be read (${(error as Error).message})`);
      }
    }
    // Rows from before the restart: aged by their segment's last write.
    for (const s of log.segments) {
      log.commits.push({
        end: { segment: s.sequence, offset: s.size },
        at: mtimes.get(s.sequence) ?? Date.now(),
      });
    }
    const last = sequences.length === 0 ? 0 : Math.max(...sequences);
    if (log.segments.length === 0 || comparePositions(log.loaded, log.end) > 0) {
      log.loaded = { segment: last + 1, offset: 0 };
    }
    await log.startSegment(last + 1);
    return log;
  }

  /** Keeps the whole frames of a segment from `from` on; anything after them is set aside. */
  private recoverSegment(sequence: number, from: number): number {
    const path = join(this.dir, segmentName(sequence));
    const bytes = readFileSync(path);
    let offset = Math.min(from, bytes.length);
    for (;;) {
      if (offset === bytes.length) return offset;
      const read = readFrame(bytes, offset);
      if (read.status === "frame") {
        offset = read.frame.end;
        continue;
      }
      const reason =
        read.status === "incomplete"
          ? "a frame cut short (a write torn by a crash or a full disk)"
          : read.reason;
      const aside = join(this.dir, "set-aside");
      mkdirSync(aside, { recursive: true });
      const target = join(aside, `${segmentName(sequence)}.${offset}`);
      writeFileSync(target, bytes.subarray(offset));
      writeFileSync(path, bytes.subarray(0, offset));
      this.warn(
        `${path}: ${bytes.length - offset} bytes from offset ${offset} are not a whole frame (${reason}): moved to ${target}; the log goes on without them`,
      );
      return offset;
    }
  }

  private setAside(path: string, name: string, why: string): void {
    const aside = join(this.dir, "set-aside");
    mkdirSync(aside, { recursive: true });
    try {
      renameSync(path, join(aside, name));
      this.warn(`${path} ${why}: moved to ${join(aside, name)}; the log goes on without it`);
    } catch (error) {
      this.warn(`${path} ${why} and could not be moved aside (${(error as Error).message}): skipped`);
    }
  }

  private async startSegment(sequence: number): Promise<void> {
    const handle = await open(join(this.dir, segmentName(sequence)), "wx");
    // The new file's name must survive a crash as surely as the frames written into it.
    const folder = await open(this.dir, "r");
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
    this.handle = handle;
    this.segments.push({ sequence, size: 0 });
  }

  private get current(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  /** The end of what has been flushed to disk. */
  get end(): Position {
    const last = this.segments[this.segments.length - 1];
    return last === undefined ? this.loaded : { segment: last.sequence, offset: last.size };
  }

  /** Bytes acknowledged and not yet loaded. */
  get pendingBytes(): number {
    let bytes = 0;
    for (const s of this.segments) {
      if (s.sequence < this.loaded.segment) continue;
      bytes += s.size - (s.sequence === this.loaded.segment ? this.loaded.offset : 0);
    }
    return bytes;
  }

  get capacityBytes(): number {
    return this.maxBytes;
  }

  /** How long the oldest row not yet loaded has waited, in milliseconds; 0 when none waits. */
  get oldestPendingMillis(): number {
    const first = this.commits.find((c) => comparePositions(c.end, this.loaded) > 0);
    return first === undefined ? 0 : Date.now() - first.at;
  }

  /** The last write the disk refused, within the last minute. */
  get writeProblem(): string | undefined {
    const e = this.lastWriteError;
    return e !== undefined && Date.now() - e.at < 60_000 ? e.message : undefined;
  }

  /** Calls `listener` after each flushed write; returns how to stop. */
  onAppend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Appends one frame; resolves once it is on disk, or says why it could not be. */
  append(table: LogTable, payload: Buffer): Promise<AppendResult> {
    if (this.closed) return Promise.resolve({ status: "unwritable", message: "the collector is stopping" });
    const header = frameHeader(table, payload);
    const bytes = header.length + payload.length;
    if (this.pendingBytes + this.queuedBytes + bytes > this.maxBytes) {
      return Promise.resolve({
        status: "full",
        message: `the write-ahead log holds ${this.pendingBytes} bytes not yet loaded into storage (its quota is ${this.maxBytes})`,
      });
    }
    return new Promise((resolve) => {
      this.queue.push({ parts: [header, payload], resolve });
      this.queuedBytes += bytes;
      this.writing ??= this.writeQueued();
    });
  }

  /** Writes what waits, one group at a time, each flushed before its appends are answered. */
  private async writeQueued(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        const result = await this.writeGroup(group);
        for (const pending of group) pending.resolve(result);
        if (result.status === "ok") for (const listener of this.listeners) listener();
      }
    } finally {
      // Cleared in the same step as the loop's last check, before the last group's appenders
      // resume: one that appends again at once must start a writer, not join this one, which
      // has just found the queue empty (cleared later, such an append waited for the next one).
      this.writing = undefined;
    }
  }

  /** Writes and flushes one group of frames; on failure, keeps none of it. */
  private async writeGroup(group: readonly Pending[]): Promise<AppendResult> {
    const bytes = group.reduce((n, p) => n + frameBytes(p), 0);
    this.queuedBytes -= bytes;
    try {
      if (this.current.size > 0 && this.current.size + bytes > this.segmentBytes) await this.rotate();
      const target = this.current;
      const handle = this.handle as FileHandle;
      await writeAll(
        handle,
        group.flatMap((p) => p.parts),
        target.size,
      );
      await handle.datasync();
      target.size += bytes;
      this.commits.push({ end: { segment: target.sequence, offset: target.size }, at: Date.now() });
      return { status: "ok" };
    } catch (error) {
      const message = `the write-ahead log could not be written: ${(error as Error).message}`;
      this.lastWriteError = { message, at: Date.now() };
      // Whatever part of the write reached the file goes: the frames were not acknowledged.
      await this.handle?.truncate(this.current.size).catch(() => undefined);
      return { status: "unwritable", message };
    }
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    await this.startSegment(this.current.sequence + 1);
  }

  /**
   * Reads whole frames from `from`, about `maxBytes` of them (at least one, however large),
   * never past what has been flushed. Returns them and where to read on. Their payloads are
   * valid until the next call, which reuses the memory they are in.
   */
  async read(from: Position, maxBytes: number): Promise<{ frames: LoggedFrame[]; next: Position }> {
    this.arena.used = 0;
    let position = from;
    const frames: LoggedFrame[] = [];
    let taken = 0;
    for (;;) {
      const segment = this.segments.find((s) => s.sequence === position.segment);
      if (segment === undefined) {
        const later = this.segments.find((s) => s.sequence > position.segment);
        if (later === undefined) break;
        position = { segment: later.sequence, offset: 0 };
        continue;
      }
      if (position.offset >= segment.size) {
        if (segment === this.current) break;
        position = { segment: segment.sequence + 1, offset: 0 };
        continue;
      }
      if (taken >= maxBytes) break;
      const base = position.offset;
      const buffer = await this.readBytes(
        segment.sequence,
        base,
        Math.min(segment.size - base, Math.max(maxBytes - taken, 64 * 1024)),
      );
      let offset = base;
      for (;;) {
        // Checksums were checked when the log was opened, or these frames were written by this process.
        let read = readFrame(buffer, offset, base, false);
        // The first frame is larger than what was read: read exactly it.
        while (read.status === "incomplete" && offset === base) {
          const needed = read.needed;
          const bytes = await this.readBytes(segment.sequence, offset, needed);
          if (bytes.length < needed)
            throw new Error(`the log ends inside a frame at ${segmentName(segment.sequence)}:${offset}`);
          read = readFrame(bytes, offset, offset, false);
        }
        if (read.status === "corrupt") {
          throw new Error(`the log is damaged at ${segmentName(segment.sequence)}:${offset}: ${read.reason}`);
        }
        if (read.status === "incomplete") break;
        frames.push({ ...read.frame, segment: segment.sequence });
        taken += read.frame.end - read.frame.start;
        offset = read.frame.end;
        if (offset >= base + buffer.length) break;
      }
      position = { segment: segment.sequence, offset };
    }
    return { frames, next: position };
  }

  private async readBytes(sequence: number, offset: number, length: number): Promise<Buffer> {
    let reader = this.readers.get(sequence);
    if (reader === undefined) {
      for (const [s, handle] of this.readers) {
        if (s < sequence) {
          await handle.close();
          this.readers.delete(s);
        }
      }
      reader = await open(join(this.dir, segmentName(sequence)), "r");
      this.readers.set(sequence, reader);
    }
    const buffer = this.take(length);
    const { bytesRead } = await reader.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  }

  /** `length` bytes of the arena, grown to the first read of a call; what does not fit, a buffer of its own. */
  private take(length: number): Buffer {
    const arena = this.arena;
    if (arena.used === 0 && arena.buffer.length < length && length <= MAX_ARENA_BYTES) {
      arena.buffer = Buffer.allocUnsafeSlow(length);
    }
    if (arena.used + length > arena.buffer.length) return Buffer.allocUnsafe(length);
    const taken = arena.buffer.subarray(arena.used, arena.used + length);
    arena.used += length;
    return taken;
  }

  /** Everything before `position` is in storage: remembered, and whole segments behind it deleted. */
  async release(position: Position): Promise<void> {
    this.loaded = position;
    const temporary = join(this.dir, `${CHECKPOINT}.tmp`);
    // Not flushed on purpose: a checkpoint lost in a crash only loads some rows again, and
    // storage keeps a span sent twice once.
    writeFileSync(temporary, JSON.stringify(position));
    renameSync(temporary, join(this.dir, CHECKPOINT));
    while (this.segments.length > 1 && (this.segments[0] as Segment).sequence < position.segment) {
      const done = this.segments.shift() as Segment;
      const reader = this.readers.get(done.sequence);
      if (reader !== undefined) {
        await reader.close();
        this.readers.delete(done.sequence);
      }
      unlinkSync(join(this.dir, segmentName(done.sequence)));
    }
    this.commits = this.commits.filter((c) => comparePositions(c.end, position) > 0);
  }

  /** Where the loader starts: the checkpoint. */
  get loadedUntil(): Position {
    return this.loaded;
  }

  /** Answers the appends in flight, then closes. */
  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
    await this.handle?.close();
    this.handle = undefined;
    for (const reader of this.readers.values()) await reader.close();
    this.readers.clear();
  }
}

function readCheckpoint(dir: string, warn: (message: string) => void): Position | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, CHECKPOINT), "utf8");
  } catch {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as Partial<Position>;
    if (Number.isSafeInteger(value.segment) && Number.isSafeInteger(value.offset)) {
      return { segment: value.segment as number, offset: value.offset as number };
    }
  } catch {
    // Reported below.
  }
  warn(
    `${join(dir, CHECKPOINT)} cannot be read: the log is loaded again from its start (storage keeps each span once)`,
  );
  return undefined;
}
