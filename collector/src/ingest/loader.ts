// Moves the write-ahead log into ClickHouse: in order, in large inserts, one at a time, in the
// background. Nothing retries forever and nothing blocks the rest:
//   - storage unavailable (down, disk full, too many parts): wait with growing pauses and try
//     the same rows again; they are safe in the log, and the log's quota pushes back on clients;
//   - storage overloaded by the insert (memory, time): try once more, then in halves;
//   - storage refusing the rows: split the insert in halves until the rows at fault are found
//     alone; each of those goes to the dead letters with the reason, everything else is stored.
import type { Store } from "@leantrace/storage";
import type { DeadLetters } from "./dead-letter.ts";
import { comparePositions, type LoggedFrame, type Position, type WriteAheadLog } from "./wal.ts";
import type { LogTable } from "./wal-frame.ts";

export interface LoaderOptions {
  /** Bytes of the log one insert carries at most (a larger single request goes alone). */
  maxBatchBytes: number;
  /**
   * A batch short of `maxBatchBytes` waits up to this long after the previous insert for more
   * rows to join it: fewer, larger inserts, fewer parts for ClickHouse to merge.
   */
  lingerMillis: number;
  /** The longest pause between attempts while storage is unavailable. */
  maxBackoffMillis: number;
}

export type StorageState = "ok" | "unavailable";

/** The log is not in storage within the time asked: storage is down or far behind. */
export class NotDrainedError extends Error {
  override readonly name = "NotDrainedError";
}

interface Rows {
  table: LogTable;
  /** JSONEachRow text: whole frames' payloads, or single lines once split. */
  chunks: Buffer[];
}

// Timers keep the process alive on purpose: a collector stopping must finish loading.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The lines of a JSONEachRow payload: one row each. */
function lines(chunk: Buffer): Buffer[] {
  const rows: Buffer[] = [];
  let start = 0;
  while (start < chunk.length) {
    const newline = chunk.indexOf(10, start);
    const end = newline === -1 ? chunk.length : newline + 1;
    if (end - start > 1 || newline === -1) rows.push(chunk.subarray(start, end));
    start = end;
  }
  return rows;
}

/** Two halves of the rows, or undefined for a single row. */
function halves(rows: Rows): [Rows, Rows] | undefined {
  const parts = rows.chunks.length > 1 ? rows.chunks : lines(rows.chunks[0] ?? Buffer.alloc(0));
  if (parts.length <= 1) return undefined;
  const half = Math.ceil(parts.length / 2);
  return [
    { table: rows.table, chunks: parts.slice(0, half) },
    { table: rows.table, chunks: parts.slice(half) },
  ];
}

export class Loader {
  private readonly maxBatchBytes: number;
  private readonly lingerMillis: number;
  private readonly maxBackoffMillis: number;
  private stopped = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastInsertAt = 0;
  private storedBytes = 0;
  private state: StorageState = "ok";
  private lastError: string | undefined;
  private waiters: { target: Position; resolve: () => void }[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly log: WriteAheadLog,
    private readonly store: Store,
    private readonly deadLetters: DeadLetters,
    options: LoaderOptions,
  ) {
    this.maxBatchBytes = options.maxBatchBytes;
    this.lingerMillis = options.lingerMillis;
    this.maxBackoffMillis = options.maxBackoffMillis;
    this.unsubscribe = log.onAppend(() => this.wake?.());
  }

  /** Bytes of rows stored since the last call. */
  takeStoredBytes(): number {
    const bytes = this.storedBytes;
    this.storedBytes = 0;
    return bytes;
  }

  /** Whether storage took the latest attempt, and if not, why. */
  get storage(): { state: StorageState; error: string | undefined } {
    return { state: this.state, error: this.lastError };
  }

  start(): void {
    this.running ??= this.run();
  }

  /**
   * Resolves once everything flushed to the log before the call is in storage; rejects with a
   * NotDrainedError after `timeoutMillis`.
   */
  drained(timeoutMillis = Number.POSITIVE_INFINITY): Promise<void> {
    const target = this.log.end;
    if (comparePositions(this.log.loadedUntil, target) >= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
      this.wake?.();
      if (Number.isFinite(timeoutMillis)) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(
            new NotDrainedError(
              `${this.log.pendingBytes} bytes accepted are not in storage yet${this.lastError ? ` (${this.lastError})` : ""}`,
            ),
          );
        }, timeoutMillis);
      }
    });
  }

  /**
   * Stops after loading what the log holds, or once `deadlineMillis` have passed, or at once
   * while storage is unavailable (what is left waits in the log for the next start).
   */
  async stop(deadlineMillis: number): Promise<void> {
    // With storage down there is nothing to wait for: the rows are safe in the log.
    if (this.state === "ok") await this.drained(deadlineMillis).catch(() => undefined);
    this.stopped = true;
    this.unsubscribe();
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const from = this.log.loadedUntil;
      if (comparePositions(from, this.log.end) >= 0) {
        this.settleWaiters();
        // Appends wake the loader; the timer is a safety net.
        await this.nap(1000);
        continue;
      }
      // Under load a full batch is ready as soon as the previous insert ends, and goes at once;
      // a lighter flow waits out the linger so that its inserts, and the parts ClickHouse must
      // merge later, are fewer. (Waiting only for a quarter of a batch had the loader write
      // parts of 5 MiB on average under the bench's load, and merges took a third more CPU.)
      // A batch that fills meanwhile, a reader waiting for its writes, or stopping ends the wait.
      for (let left = this.lingerLeft(); left > 0; left = this.lingerLeft()) await this.nap(left);
      const { frames, next } = await this.log.read(from, this.maxBatchBytes);
      // One table per insert: the frames up to the first of another table.
      const table = frames[0]?.table;
      const other = frames.findIndex((f) => f.table !== table);
      const taken = other === -1 ? frames : frames.slice(0, other);
      const stop = other === -1 ? undefined : (frames[other] as LoggedFrame);
      const until = stop === undefined ? next : { segment: stop.segment, offset: stop.start };
      if (table !== undefined) {
        const stored = await this.load({ table, chunks: taken.map((f) => f.payload) });
        // Stopped while storage was down: what is left stays in the log for the next start.
        if (!stored) return;
      }
      this.lastInsertAt = Date.now();
      await this.log.release(until);
      this.settleWaiters();
    }
  }

  /** How much longer the batch waits for more rows: 0 when it goes now. */
  private lingerLeft(): number {
    if (this.stopped || this.waiters.length > 0 || this.log.pendingBytes >= this.maxBatchBytes) return 0;
    return this.lingerMillis - (Date.now() - this.lastInsertAt);
  }

  /** Waits `millis`, or less if an append, a reader or stopping wakes the loader. */
  private nap(millis: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, millis);
      this.wake = done;
    });
  }

  private settleWaiters(): void {
    const loaded = this.log.loadedUntil;
    this.waiters = this.waiters.filter((w) => {
      if (comparePositions(loaded, w.target) < 0) return true;
      w.resolve();
      return false;
    });
  }

  /**
   * Stores the rows, or sets aside those storage refuses alone; waits while storage is
   * unavailable. False only when stopped before the rows could be stored.
   */
  private async load(rows: Rows): Promise<boolean> {
    let backoff = 250;
    let overloaded = 0;
    for (;;) {
      const result = await this.store.insertEncoded(rows.table, rows.chunks);
      if (result.status === "ok") {
        this.state = "ok";
        this.lastError = undefined;
        for (const chunk of rows.chunks) this.storedBytes += chunk.length;
        return true;
      }
      this.lastError = result.error.message;
      if (result.status === "unavailable") {
        this.state = "unavailable";
        if (this.stopped) return false;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, this.maxBackoffMillis);
        continue;
      }
      // Overloaded: once more as it is, then smaller.
      if (result.status === "overloaded" && ++overloaded < 2) {
        await sleep(backoff);
        continue;
      }
      const split = halves(rows);
      if (split === undefined) {
        this.deadLetters.add(rows.table, Buffer.concat(rows.chunks), result.error.message.slice(0, 500));
        return true;
      }
      for (const part of split) if (!(await this.load(part))) return false;
      return true;
    }
  }
}
