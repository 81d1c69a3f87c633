// A local append-only spool: when ClickHouse cannot take a batch now (down, slow, too many
// parts), the batch is written to disk, flushed, and then acknowledged; it is loaded, in order,
// when storage recovers and at the next start. While anything waits in the spool, new batches
// queue behind it, so that they load in the order they came. Past its quota the spool refuses,
// and the collector answers 503 with Retry-After.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { WriteResult } from "@leantrace/storage";

export interface SpoolOptions {
  /** Where spooled batches are kept. */
  dir: string;
  /** The spool's quota in bytes; past it batches are refused. @default 1 GiB */
  maxBytes?: number;
  /** How often a spool with batches in it tries storage again. @default 1000 */
  retryMillis?: number;
}

type Writer = (rows: readonly object[]) => Promise<WriteResult>;

const FILE = /^(\d{12})-([a-z_]+)\.ndjson$/;

export class Spool {
  private readonly maxBytes: number;
  private readonly retryMillis: number;
  private files: { name: string; table: string; bytes: number }[] = [];
  private sequence = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: SpoolOptions,
    private readonly writers: Record<string, Writer>,
  ) {
    this.maxBytes = options.maxBytes ?? 1024 ** 3;
    this.retryMillis = options.retryMillis ?? 1000;
    mkdirSync(options.dir, { recursive: true });
    for (const name of readdirSync(options.dir).sort()) {
      const match = FILE.exec(name);
      if (match === null) continue;
      this.files.push({ name, table: match[2] as string, bytes: statSync(join(options.dir, name)).size });
      this.sequence = Math.max(this.sequence, Number(match[1]));
    }
  }

  /** Batches waiting to be loaded, and their size on disk. */
  get pending(): { batches: number; bytes: number } {
    return { batches: this.files.length, bytes: this.files.reduce((sum, f) => sum + f.bytes, 0) };
  }

  /** Runs one spool operation at a time: appends and loads never interleave. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Writes a batch to storage, or to the spool when storage cannot take it now. */
  write(table: string, rows: readonly object[]): Promise<WriteResult> {
    return this.serial(async () => {
      if (this.files.length === 0) {
        const result = await this.writer(table)(rows);
        if (result.status !== "retryable") return result;
      }
      return this.append(table, rows);
    });
  }

  private writer(table: string): Writer {
    const writer = this.writers[table];
    if (writer === undefined) throw new Error(`the spool has no writer for table ${table}`);
    return writer;
  }

  private append(table: string, rows: readonly object[]): WriteResult {
    const body = `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`;
    const bytes = Buffer.byteLength(body);
    if (this.pending.bytes + bytes > this.maxBytes) {
      return {
        status: "retryable",
        error: new Error(`storage is unavailable and the spool is full (${this.maxBytes} bytes)`),
        delayMillis: 5000,
      };
    }
    this.sequence++;
    const name = `${String(this.sequence).padStart(12, "0")}-${table}.ndjson`;
    const temporary = join(this.options.dir, `.${name}.tmp`);
    // Flushed to disk, then renamed into place and the folder flushed: once acknowledged, a
    // batch survives a crash of the process or of the machine.
    const fd = openSync(temporary, "w");
    try {
      writeSync(fd, body);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, join(this.options.dir, name));
    const dirFd = openSync(this.options.dir, "r");
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    this.files.push({ name, table, bytes });
    return { status: "ok" };
  }

  /** Loads spooled batches in order until one fails; returns how many were loaded. */
  drain(): Promise<number> {
    return this.serial(async () => {
      let loaded = 0;
      while (this.files.length > 0) {
        const file = this.files[0] as { name: string; table: string };
        const path = join(this.options.dir, file.name);
        const rows = readFileSync(path, "utf8")
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as object);
        const result = await this.writer(file.table)(rows);
        if (result.status !== "ok") break;
        unlinkSync(path);
        this.files.shift();
        loaded++;
      }
      return loaded;
    });
  }

  /** Tries storage again every `retryMillis` while batches wait. */
  start(): void {
    this.timer ??= setInterval(() => {
      if (this.files.length > 0) void this.drain().catch(() => undefined);
    }, this.retryMillis);
    this.timer.unref();
  }

  /** Stops retrying and makes a last attempt to load what waits. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.drain().catch(() => undefined);
  }
}
