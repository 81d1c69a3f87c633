// What keeps the export of spans from ever hurting the agent. OpenTelemetry's exporter retries a
// failed export (with backoff, within its timeout) and then gives up; the batch processor turns
// that into a rejected flush (an unhandled ECONNREFUSED at shutdown) or into nothing at all (a
// timed export that failed is logged only if a diag logger is set). Here every batch that could
// not be sent, and every span the full queue turned away, is counted and told once in a while in
// one line that says how many and why; nothing is ever thrown at the agent.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientRequest, IncomingMessage } from "node:http";
import { createNoopMeter, type Meter, type MeterProvider } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { WARNING_INTERVAL_MILLIS, WarningThrottle, warn } from "./warnings.ts";

function spans(count: number): string {
  return count === 1 ? "1 span" : `${count} spans`;
}

/**
 * Counts dropped spans and says so: one line at the first drop, then at most one line per
 * interval with what was dropped since the last one; the total at the end of the process.
 */
export class DropReporter {
  private total = 0;
  /** Spans dropped since the last warning, by why (the words after "N spans"). */
  private readonly unreported = new Map<string, number>();
  private readonly throttle: WarningThrottle;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly write: (line: string) => void = warn,
    intervalMillis = WARNING_INTERVAL_MILLIS,
  ) {
    this.throttle = new WarningThrottle(intervalMillis);
  }

  /** All spans dropped so far. */
  get dropped(): number {
    return this.total;
  }

  drop(count: number, why: string): void {
    if (count <= 0) return;
    this.total += count;
    this.unreported.set(why, (this.unreported.get(why) ?? 0) + count);
    if (this.scheduled !== undefined || !this.throttle.due()) return;
    // Told on the next turn of the event loop: a full queue drops spans one at a time, and a
    // burst of them is one line with their number, not a line about the first one.
    this.scheduled = setImmediate(() => this.report());
    this.scheduled.unref();
  }

  private report(): void {
    this.scheduled = undefined;
    if (this.unreported.size === 0) return;
    const parts = [...this.unreported].map(([why, count]) => `${spans(count)} ${why}`);
    this.unreported.clear();
    this.throttle.told();
    this.write(`leantrace: ${parts.join(", ")}; dropped`);
  }

  /** At shutdown: the warning still due, then the total as one line (none when nothing was dropped). */
  finish(): void {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.report();
    }
    if (this.total > 0) this.write(`leantrace.sdk.dropped_spans=${this.total}`);
  }
}

// --- why an export failed ---

/** The collector's latest HTTP answer, and the requests to it still open. */
export class CollectorWatch {
  private status: { code: number; message: string; at: number } | undefined;
  private readonly open = new Set<ClientRequest>();
  private readonly url: URL | undefined;
  private readonly onStart = (message: unknown) => {
    const request = (message as { request?: ClientRequest }).request;
    if (request === undefined || !this.isOurs(request)) return;
    this.open.add(request);
    request.once("close", () => this.open.delete(request));
  };
  private readonly onResponse = (message: unknown) => {
    const { request, response } = message as { request?: ClientRequest; response?: IncomingMessage };
    if (request === undefined || response === undefined || !this.isOurs(request)) return;
    this.status = { code: response.statusCode ?? 0, message: response.statusMessage ?? "", at: Date.now() };
  };

  constructor(url: string) {
    try {
      this.url = new URL(url);
    } catch {
      this.url = undefined;
    }
    // Node's HTTP client announces every request and response on these channels: the exporter's
    // own error for a request answered 503 until it gave up says only "retryable status".
    subscribe("http.client.request.start", this.onStart);
    subscribe("http.client.response.finish", this.onResponse);
  }

  private isOurs(request: ClientRequest): boolean {
    if (this.url === undefined) return false;
    // Node gives an IPv6 host without the brackets the URL writes it in.
    const host = this.url.hostname.replace(/^\[(.*)\]$/, "$1");
    return (
      request.method === "POST" &&
      request.host === host &&
      request.path === `${this.url.pathname}${this.url.search}`
    );
  }

  /** The last answer received since `since` (a Date.now() time), as `HTTP 503 Service Unavailable`. */
  lastAnswer(since: number): string | undefined {
    if (this.status === undefined || this.status.at < since) return undefined;
    return `HTTP ${this.status.code}${this.status.message === "" ? "" : ` ${this.status.message}`}`;
  }

  /** Whether a request to the collector is still waiting for its answer. */
  waiting(): boolean {
    return this.open.size > 0;
  }

  /** Ends the requests still open (shutdown gave up on them), so they hold the process no longer. */
  abort(): void {
    for (const request of this.open) request.destroy(new Error("leantrace: shutdown gave up on this export"));
    this.open.clear();
  }

  close(): void {
    unsubscribe("http.client.request.start", this.onStart);
    unsubscribe("http.client.response.finish", this.onResponse);
  }
}

/** Why an export failed, in a few words: `ECONNREFUSED`, `HTTP 401 Unauthorized`, `no answer within 4750 ms`. */
function reasonOf(
  error: Error | undefined,
  lastAnswer: string | undefined,
  timeoutMillis: number | undefined,
): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  // Node's network errors carry their errno name; the exporter's HTTP errors the status.
  if (typeof code === "string" && code !== "") return code;
  if (typeof code === "number") return `HTTP ${code}${error?.message ? ` ${error.message}` : ""}`;
  // Given up after retries of 429, 502, 503 or 504: the exporter's error does not say which.
  if (lastAnswer !== undefined && (error === undefined || /retryable/i.test(error.message)))
    return lastAnswer;
  if (error?.message === "Request timed out") {
    return timeoutMillis === undefined ? "no answer in time" : `no answer within ${timeoutMillis} ms`;
  }
  return error?.message || "export failed";
}

// --- the exporter and the queue ---

interface Pending {
  readonly count: number;
  /** Tells the batch processor the batch is done, once. */
  readonly done: () => void;
}

/**
 * Wraps the real exporter: a batch it could not send (after its own retries) is counted and
 * reported as dropped, and the batch processor is told the batch is done. Telling it "failed"
 * would only make it reject the flush (the unhandled error at shutdown) and log the batch as an
 * error on its own; it retries nothing itself.
 */
export class GuardedExporter implements SpanExporter {
  private readonly pending = new Set<Pending>();
  private waiting: (() => void)[] = [];

  constructor(
    private readonly inner: SpanExporter,
    /** Where spans go, for the warning: the URL or the folder. */
    private readonly destination: string,
    private readonly reporter: DropReporter,
    private readonly watch: CollectorWatch | undefined,
    /** The exporter's own timeout, for the warning. */
    private readonly timeoutMillis: number | undefined,
  ) {}

  export(batch: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const started = Date.now();
    let settled = false;
    const pending: Pending = {
      count: batch.length,
      done: () => {
        settled = true;
        this.pending.delete(pending);
        resultCallback({ code: ExportResultCode.SUCCESS });
        if (this.pending.size === 0) this.wake();
      },
    };
    this.pending.add(pending);
    const settle = (result: ExportResult) => {
      // Abandoned at shutdown already, and counted then.
      if (settled) return;
      if (result.code !== ExportResultCode.SUCCESS) {
        const reason = reasonOf(result.error, this.watch?.lastAnswer(started), this.timeoutMillis);
        this.reporter.drop(batch.length, this.couldNot(reason));
      }
      pending.done();
    };
    try {
      this.inner.export(batch, settle);
    } catch (error) {
      settle({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  /** Resolves when no export is under way (exports started meanwhile included). */
  settled(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }

  private couldNot(reason: string): string {
    return `could not be exported to ${this.destination} (${reason})`;
  }

  /** Gives up on the exports still under way: their spans are dropped, for `reason`. */
  abandon(reason: string): void {
    for (const pending of [...this.pending]) {
      this.reporter.drop(pending.count, this.couldNot(reason));
      pending.done();
    }
  }

  async forceFlush(): Promise<void> {
    await this.inner.forceFlush?.();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

const SPAN_PROCESSED_METRIC = "otel.sdk.processor.span.processed";

/**
 * A meter provider for the batch processor's self-observability metrics that counts the spans it
 * drops because its queue is full: its `otel.sdk.processor.span.processed` counter, with
 * `error.type` = `queue_full`, is the only place it says how many (it logs a debug line at the
 * first and a warning only once a span fits again). Everything else is the API's no-op meter.
 */
export function queueDropCounter(onDropped: (count: number) => void): MeterProvider {
  const noop = createNoopMeter();
  const meter: Meter = Object.create(noop);
  meter.createCounter = (name, options) => {
    if (name !== SPAN_PROCESSED_METRIC) return noop.createCounter(name, options);
    return {
      add: (value, attributes) => {
        if (attributes?.["error.type"] === "queue_full") onDropped(value);
      },
    };
  };
  return { getMeter: () => meter };
}
