// Rows storage can never take (it refused them alone, for a reason about the rows) are not
// retried forever: each is written here with the reason, so the rest of the log moves on and
// nothing is lost without a trace. `GET /health` and `leantrace status` count them; each
// reason is logged once per process.
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LogTable } from "./wal-frame.ts";

export const DEAD_LETTER_FILE = "rows.ndjson";

export class DeadLetters {
  readonly path: string;
  private count: number;
  private readonly reported = new Set<string>();
  private lastReason: string | undefined;

  constructor(
    dir: string,
    private readonly log: (message: string) => void = (m) => console.error(`leantrace collector: ${m}`),
  ) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, DEAD_LETTER_FILE);
    let text = "";
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      // None yet.
    }
    this.count = text === "" ? 0 : text.split("\n").filter((line) => line !== "").length;
  }

  /** Rows set aside so far, in this log's lifetime. */
  get rows(): number {
    return this.count;
  }

  get latestReason(): string | undefined {
    return this.lastReason;
  }

  /** Keeps one row that storage refused, with why; flushed before the log moves past it. */
  add(table: LogTable, row: Buffer, reason: string): void {
    const line = `${JSON.stringify({ table, reason, at: new Date().toISOString(), row: row.toString("utf8") })}\n`;
    appendFileSync(this.path, line);
    const fd = openSync(this.path, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.count++;
    this.lastReason = reason;
    if (!this.reported.has(reason)) {
      this.reported.add(reason);
      this.log(`storage refused a row of ${table} for good (${reason}); it was set aside in ${this.path}`);
    }
  }
}
