// Sends what the collector accepts, unchanged, on to another OTLP/HTTP endpoint (the user's
// Jaeger, Langfuse or OpenTelemetry Collector), so that adopting leantrace costs nothing: best
// effort, after the request was acknowledged, never in its way. The queue is bounded: when the
// target is slow or down, what does not fit is dropped and counted (leantrace itself has it).
// The collector's own findings can go the same way, as spans the target shows beside the run.

export interface ForwardOptions {
  /** Where to send: an OTLP/HTTP traces endpoint (`/v1/traces` is added to a bare base URL). */
  url: string;
  /** Headers every forwarded request carries (the target's own credentials). */
  headers: Record<string, string>;
  /** Bytes that may wait to be sent; past it, new requests are dropped and counted. */
  maxQueueBytes: number;
  /** Attempts per request, for answers that may pass later (429, 5xx, no answer). */
  maxAttempts: number;
  /** How long one attempt may take. */
  timeoutMillis: number;
  warn: (message: string) => void;
}

export interface ForwardBody {
  bytes: Uint8Array;
  contentType: string;
  contentEncoding?: string;
}

export interface ForwardStats {
  url: string;
  queuedBytes: number;
  sent: number;
  dropped: number;
  lastError: string | null;
}

const WARN_EVERY_MILLIS = 60_000;

/** The traces endpoint of `url`: as given when it names `/v1/traces`, else that path added. */
export function tracesEndpoint(url: string): string {
  const parsed = new URL(url);
  if (!parsed.pathname.endsWith("/v1/traces")) {
    parsed.pathname = `${parsed.pathname.replace(/\/+$/, "")}/v1/traces`;
  }
  return parsed.toString();
}

export class Forwarder {
  private readonly endpoint: string;
  private queue: ForwardBody[] = [];
  private queuedBytes = 0;
  private sending: Promise<void> | undefined;
  private sent = 0;
  private dropped = 0;
  private lastError: string | undefined;
  private lastWarning = 0;
  private closed = false;

  constructor(private readonly options: ForwardOptions) {
    this.endpoint = tracesEndpoint(options.url);
  }

  get stats(): ForwardStats {
    return {
      url: this.endpoint,
      queuedBytes: this.queuedBytes,
      sent: this.sent,
      dropped: this.dropped,
      lastError: this.lastError ?? null,
    };
  }

  /** Queues a request to send; drops it (counted) when the queue is full. */
  enqueue(body: ForwardBody): void {
    if (this.closed) return;
    if (this.queuedBytes + body.bytes.byteLength > this.options.maxQueueBytes) {
      this.drop(
        `the forward queue is full (${this.options.maxQueueBytes} bytes): the target is slow or down`,
      );
      return;
    }
    this.queue.push(body);
    this.queuedBytes += body.bytes.byteLength;
    this.sending ??= this.sendQueued().finally(() => {
      this.sending = undefined;
    });
  }

  private drop(reason: string): void {
    this.dropped++;
    this.lastError = reason;
    if (Date.now() - this.lastWarning > WARN_EVERY_MILLIS) {
      this.lastWarning = Date.now();
      this.options.warn(
        `forwarding to ${this.endpoint}: ${reason}; ${this.dropped} request(s) dropped so far`,
      );
    }
  }

  private async sendQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const body = this.queue.shift() as ForwardBody;
      try {
        await this.send(body);
      } finally {
        this.queuedBytes -= body.bytes.byteLength;
      }
    }
  }

  private async send(body: ForwardBody): Promise<void> {
    let pause = 200;
    for (let attempt = 1; ; attempt++) {
      let retry: string;
      try {
        const response = await fetch(this.endpoint, {
          method: "POST",
          headers: {
            ...this.options.headers,
            "content-type": body.contentType,
            ...(body.contentEncoding === undefined ? {} : { "content-encoding": body.contentEncoding }),
          },
          body: body.bytes,
          signal: AbortSignal.timeout(this.options.timeoutMillis),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.sent++;
          return;
        }
        retry = `the target answered ${response.status}`;
        // Other 4xx answers will not change: the request is dropped, not retried.
        if (response.status !== 429 && response.status < 500) {
          this.drop(retry);
          return;
        }
      } catch (error) {
        retry = `no answer (${(error as Error).message})`;
      }
      if (this.closed || attempt >= this.options.maxAttempts) {
        this.drop(retry);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 4, 10_000);
    }
  }

  /** Sends what waits, within `deadlineMillis`; the rest is dropped. */
  async close(deadlineMillis: number): Promise<void> {
    const done = this.sending ?? Promise.resolve();
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, deadlineMillis).unref())]);
    this.closed = true;
    this.dropped += this.queue.length;
    this.queue = [];
  }
}
