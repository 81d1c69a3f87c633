// The way from an accepted request to a stored row: the request's rows, already validated and
// bounded on their own, become one JSONEachRow frame in the write-ahead log; the answer waits
// for that frame to be on disk and for nothing else. The loader moves the log into storage in
// the background. Also the budget of request bytes held in memory at once, and the health
// that `GET /health` and `leantrace status` report.
import type { OutcomeRow, Store } from "@leantrace/storage";
import { encodeRows } from "@leantrace/storage";
import { z } from "zod";
import type { CollectorConfig } from "../config.ts";
import { DeadLetters } from "./dead-letter.ts";
import { Loader, type LoaderOptions } from "./loader.ts";
import { type AppendResult, type WalOptions, WriteAheadLog } from "./wal.ts";

export interface PipelineOptions {
  wal: Omit<WalOptions, "warn">;
  loader: LoaderOptions;
  /** Request bytes (as received and inflated) held in memory at once, over all requests; past it, 429. */
  maxInFlightBytes: number;
  warn: (message: string) => void;
}

/** The pipeline's settings out of the collector's. */
export function pipelineOptions(
  config: Pick<CollectorConfig, "wal" | "loader" | "http">,
  warn: (message: string) => void = (m) => console.warn(`leantrace collector: ${m}`),
): PipelineOptions {
  return { wal: config.wal, loader: config.loader, maxInFlightBytes: config.http.maxInFlightBytes, warn };
}

/** What `GET /health` answers (and `leantrace status` prints). */
export const healthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  /** One sentence per thing that is wrong now. */
  problems: z.array(z.string()),
  storage: z.enum(["ok", "unavailable"]),
  /** The write-ahead log: what was accepted and is not in storage yet. */
  log: z.object({
    dir: z.string(),
    pendingBytes: z.number(),
    capacityBytes: z.number(),
    oldestPendingSeconds: z.number(),
  }),
  /** Rows storage refused for good, set aside with their reasons. */
  deadLetters: z.object({ rows: z.number(), file: z.string(), latestReason: z.string().nullable() }),
  /** Forwarding to another OTLP endpoint, when on: best effort, so never a reason to be degraded. */
  forward: z
    .object({
      url: z.string(),
      queuedBytes: z.number(),
      sent: z.number(),
      dropped: z.number(),
      lastError: z.string().nullable(),
    })
    .optional(),
});

export type Health = z.infer<typeof healthSchema>;

/** A share of the log's quota past which the collector says it is degraded. */
const DEGRADED_SHARE = 0.8;

interface BudgetWaiter {
  bytes: number;
  grant: () => void;
}

export class IngestPipeline {
  private inFlight = 0;
  /** Requests waiting for in-flight budget, in arrival order. */
  private waiting: BudgetWaiter[] = [];
  private counts = { requests: 0, spans: 0 };
  private readonly maxInFlightBytes: number;

  private constructor(
    readonly log: WriteAheadLog,
    private readonly loader: Loader,
    private readonly deadLetters: DeadLetters,
    maxInFlightBytes: number,
  ) {
    this.maxInFlightBytes = maxInFlightBytes;
  }

  /** Opens the log (setting aside damaged bytes) and starts loading it into `store`. */
  static async open(store: Store, options: PipelineOptions): Promise<IngestPipeline> {
    const log = await WriteAheadLog.open({ ...options.wal, warn: options.warn });
    const deadLetters = new DeadLetters(`${options.wal.dir}/dead-letter`);
    const loader = new Loader(log, store, deadLetters, options.loader);
    loader.start();
    return new IngestPipeline(log, loader, deadLetters, options.maxInFlightBytes);
  }

  /** Takes `bytes` of the in-flight budget; false when it is spent (answer 429). */
  reserve(bytes: number): boolean {
    if (this.inFlight + bytes > this.maxInFlightBytes && this.inFlight > 0) return false;
    this.inFlight += bytes;
    return true;
  }

  /**
   * Takes `bytes` of the in-flight budget, waiting up to `waitMillis` for it behind the requests
   * already waiting; false when it was not granted in time or `signal` aborted (answer 429, or
   * 503 when stopping).
   */
  reserveWithin(bytes: number, waitMillis: number, signal?: AbortSignal): Promise<boolean> {
    if (this.waiting.length === 0 && this.reserve(bytes)) return Promise.resolve(true);
    if (waitMillis <= 0 || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const settle = (granted: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", abandon);
        this.waiting = this.waiting.filter((w) => w !== waiter);
        resolve(granted);
      };
      const abandon = () => settle(false);
      const waiter: BudgetWaiter = { bytes, grant: () => settle(true) };
      const timer = setTimeout(abandon, waitMillis);
      signal?.addEventListener("abort", abandon, { once: true });
      this.waiting.push(waiter);
    });
  }

  free(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
    // In arrival order: a large request is not passed over for ever by smaller ones.
    for (let next = this.waiting[0]; next !== undefined && this.reserve(next.bytes); next = this.waiting[0]) {
      next.grant();
    }
  }

  /** Appends `spans` spans already encoded as JSONEachRow (see @leantrace/normalize). */
  async acceptSpans(payload: Uint8Array, spans: number): Promise<AppendResult> {
    if (payload.byteLength === 0) return { status: "ok" };
    const result = await this.log.append(
      "spans",
      Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    );
    if (result.status === "ok") {
      this.counts.requests++;
      this.counts.spans += spans;
    }
    return result;
  }

  /** What was accepted since the last call: for the collector's line a minute. */
  takeCounts(): { requests: number; spans: number; storedBytes: number } {
    const counts = { ...this.counts, storedBytes: this.loader.takeStoredBytes() };
    this.counts = { requests: 0, spans: 0 };
    return counts;
  }

  acceptOutcome(row: OutcomeRow): Promise<AppendResult> {
    return this.log.append("outcomes", encodeRows([row]));
  }

  /** Resolves once everything acknowledged so far is in storage (an analysis pass waits for it). */
  drained(timeoutMillis?: number): Promise<void> {
    return this.loader.drained(timeoutMillis);
  }

  /**
   * Waits up to `timeoutMillis` for what was acknowledged to reach storage, as a read does
   * before it answers: 0 when it all did, else the bytes still on their way.
   */
  async pendingAfter(timeoutMillis: number): Promise<number> {
    try {
      await this.loader.drained(timeoutMillis);
      return 0;
    } catch {
      return this.log.pendingBytes;
    }
  }

  health(): Health {
    const problems: string[] = [];
    const storage = this.loader.storage;
    if (storage.state === "unavailable") {
      problems.push(`storage is unavailable (${storage.error ?? "no answer"}): rows wait in the log`);
    }
    const pending = this.log.pendingBytes;
    if (pending > DEGRADED_SHARE * this.log.capacityBytes) {
      problems.push(`the log holds ${pending} of its ${this.log.capacityBytes} bytes not yet in storage`);
    }
    const writeProblem = this.log.writeProblem;
    if (writeProblem !== undefined) problems.push(writeProblem);
    if (this.deadLetters.rows > 0) {
      problems.push(
        `${this.deadLetters.rows} row(s) storage refused for good are set aside in ${this.deadLetters.path}`,
      );
    }
    return {
      status: problems.length === 0 ? "ok" : "degraded",
      problems,
      storage: storage.state,
      log: {
        dir: this.log.dir,
        pendingBytes: pending,
        capacityBytes: this.log.capacityBytes,
        oldestPendingSeconds: Math.round(this.log.oldestPendingMillis / 1000),
      },
      deadLetters: {
        rows: this.deadLetters.rows,
        file: this.deadLetters.path,
        latestReason: this.deadLetters.latestReason ?? null,
      },
    };
  }

  /** Loads what the log holds within `deadlineMillis`, then closes it (the rest waits for the next start). */
  async stop(deadlineMillis: number): Promise<void> {
    await this.loader.stop(deadlineMillis);
    await this.log.close();
  }
}
