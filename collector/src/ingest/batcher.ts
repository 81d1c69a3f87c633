// Gathers rows from concurrent requests into one insert. A request's promise settles only when
// the insert holding its rows has ended, so a 200 means the rows are stored.
import type { WriteResult } from "@leantrace/storage";

export interface BatcherOptions {
  /** Flush as soon as this many rows wait. @default 10000 */
  maxRows?: number;
  /** Flush rows that waited this long, whatever their number. @default 50 */
  maxDelayMillis?: number;
}

interface Pending<T> {
  rows: readonly T[];
  settle: (result: WriteResult) => void;
}

export class Batcher<T> {
  private queue: Pending<T>[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxRows: number;
  private readonly maxDelayMillis: number;

  constructor(
    private readonly write: (rows: readonly T[]) => Promise<WriteResult>,
    options: BatcherOptions = {},
  ) {
    this.maxRows = options.maxRows ?? 10_000;
    this.maxDelayMillis = options.maxDelayMillis ?? 50;
  }

  /** Queues rows; resolves with the result of the insert that carried them. */
  add(rows: readonly T[]): Promise<WriteResult> {
    if (rows.length === 0) return Promise.resolve({ status: "ok" });
    return new Promise((settle) => {
      this.queue.push({ rows, settle });
      this.queuedRows += rows.length;
      if (this.queuedRows >= this.maxRows) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.maxDelayMillis);
    });
  }

  /** Writes everything queued so far; resolves when it is written. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue;
    this.queue = [];
    this.queuedRows = 0;
    // One insert at a time, in arrival order.
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      let result: WriteResult;
      try {
        result = await this.write(batch.flatMap((p) => p.rows));
      } catch (error) {
        result = { status: "failed", error: error instanceof Error ? error : new Error(String(error)) };
      }
      for (const pending of batch) pending.settle(result);
    });
    return this.flushing;
  }
}
