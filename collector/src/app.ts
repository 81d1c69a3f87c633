// The collector's HTTP surface as a Hono app: OTLP/HTTP ingest, late outcomes, the report API.
// Each ingest request is read, decoded, normalized and bounded on its own, then handed to the
// write-ahead log (ingest/pipeline.ts): its answer waits for the disk, never for storage.

import { AnalysisScheduler } from "@leantrace/analyzers";
import { firstIssue, isOutcome, PENDING_BYTES_HEADER } from "@leantrace/conventions";
import { dashboardRoutes } from "@leantrace/dashboard";
import type { NormalizeSettings } from "@leantrace/normalize";
import {
  CONTENT_TYPES,
  type Encoding,
  exportResponse,
  RPC_INVALID_ARGUMENT,
  RPC_RESOURCE_EXHAUSTED,
  RPC_UNAVAILABLE,
  statusResponse,
} from "@leantrace/otlp";
import { EXAMPLE_QUERIES } from "@leantrace/reports/sql";
import { millisText, type Store } from "@leantrace/storage";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { type AuthEnv, authMiddleware } from "./auth.ts";
import type { CollectorConfig } from "./config.ts";
import { findingsRequest } from "./forward/findings-telemetry.ts";
import type { Forwarder } from "./forward/forwarder.ts";
import { BodyError, decodeContent, readLimited, stoppingError } from "./ingest/body.ts";
import { NotDrainedError } from "./ingest/loader.ts";
import { inlineNormalizer, type Normalizer } from "./ingest/normalizer.ts";
import type { IngestPipeline } from "./ingest/pipeline.ts";
import type { AppendResult } from "./ingest/wal.ts";
import { Metering } from "./metering.ts";
import { budgetRoutes } from "./routes/budgets.ts";
import { openApiDocument } from "./routes/openapi.ts";
import { reportRoutes } from "./routes/reports.ts";
import { sqlRoutes } from "./routes/sql.ts";

/** What the app needs of the collector's settings (see config.ts). */
export type CollectorAppSettings = Pick<CollectorConfig, "requireApiKey" | "http" | "analysis" | "prices"> &
  Partial<Pick<CollectorConfig, "forward" | "budgets">>;

export interface CollectorApp {
  app: Hono<AuthEnv>;
  /** Analysis passes: started by the server, run on demand by `POST /api/v1/analyze`. */
  analysis: AnalysisScheduler;
  /** Usage metering and budget alerts: started by the server, also after each analysis pass. */
  metering: Metering;
  /** From now on every request is answered 503 (the collector is stopping). */
  refuseRequests(): void;
  /** Aborts the requests still reading their bodies: they are answered 503. */
  abortRequests(): void;
  /** What was ingested and analyzed since the last call. */
  takeActivity(): Activity;
}

export interface Activity {
  requests: number;
  spans: number;
  rejectedSpans: number;
  storedBytes: number;
  passes: number;
  runs: number;
  findings: number;
}

/** One line of what a collector did, for its log; undefined when it did nothing. */
export function activityLine(a: Activity, minutes: number, pendingBytes: number): string | undefined {
  if (a.requests === 0 && a.passes === 0 && a.storedBytes === 0) return undefined;
  const n = (x: number) => x.toLocaleString("en-US");
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  return (
    `in the last ${minutes === 1 ? "minute" : `${minutes} minutes`}: ${n(a.requests)} requests, ${n(a.spans)} spans accepted` +
    `${a.rejectedSpans > 0 ? ` (${n(a.rejectedSpans)} rejected)` : ""}, ${mib(a.storedBytes)} MiB stored; ` +
    `${n(a.passes)} analysis passes (${n(a.runs)} runs, ${n(a.findings)} findings); ${mib(pendingBytes)} MiB waiting in the log`
  );
}

const analyzeRequestSchema = z.object({ full: z.boolean().optional() });

const outcomeSchema = z.object({
  runId: z.string().min(1).max(256),
  outcome: z.string().refine(isOutcome, { message: "expected success, failure, partial or unknown" }),
  value: z.number().finite().optional(),
});

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType === CONTENT_TYPES.protobuf) return "protobuf";
  if (mediaType === CONTENT_TYPES.json) return "json";
  return undefined;
}

/** How long a client should wait before sending again what the log could not take. */
function retryAfterSeconds(result: Exclude<AppendResult, { status: "ok" }>): number {
  return result.status === "full" ? 5 : 10;
}

/** A request's first problem as one sentence: where, and what was wrong. */
function zodMessage(error: z.ZodError): string {
  const { where, message } = firstIssue(error, "body");
  return `${where}: ${message}`;
}

/** What normalizing a request needs, from the collector's settings. */
export function normalizeSettings(settings: CollectorAppSettings): NormalizeSettings {
  return {
    prices: settings.prices,
    maxSpans: settings.http.maxRequestSpans,
    maxAttributeChars: settings.http.maxAttributeChars,
  };
}

/**
 * The app over a store and an ingest pipeline. Requests are normalized by `normalizer` (the
 * server passes a pool of worker threads when asked for some), else on the event loop.
 */
export function createCollectorApp(
  store: Store,
  ingest: IngestPipeline,
  settings: CollectorAppSettings,
  normalizer: Normalizer = inlineNormalizer(normalizeSettings(settings)),
  forwarder?: Forwarder,
): CollectorApp {
  const { maxBodyBytes, readAfterWriteMillis, inFlightWaitMillis } = settings.http;
  let activity = { rejectedSpans: 0, passes: 0, runs: 0, findings: 0 };
  const analysis = new AnalysisScheduler(store, settings.analysis.config, {
    intervalMillis: settings.analysis.intervalMillis,
    beforePass: () => ingest.drained(settings.analysis.drainMillis),
    onPass: (pass) => {
      activity.passes++;
      activity.runs += pass.runs;
      activity.findings += pass.findings;
      // A pass may mark another instrumentation's copy of a call: its day's usage changes.
      metering.runSoon();
      if (forwarder !== undefined && settings.forward?.findings && pass.findings > 0) {
        findingsRequest(store, pass.passId).then(
          (body) => body && forwarder.enqueue({ bytes: Buffer.from(body), contentType: CONTENT_TYPES.json }),
          (error: unknown) => console.error("leantrace collector: findings could not be forwarded", error),
        );
      }
    },
  });
  const metering = new Metering(store, settings.budgets);
  let refusing = false;
  const reading = new Set<AbortController>();
  const app = new Hono<AuthEnv>();

  app.use(async (c, next) => {
    if (refusing) {
      c.header("connection", "close");
      return c.json({ error: { message: "the collector is stopping: send again shortly" } }, 503, {
        "retry-after": "5",
      });
    }
    return next();
  });
  app.use(authMiddleware(store, settings.requireApiKey));

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return c.json({ error: { message: error.message } }, error.status);
    }
    console.error("leantrace collector: unexpected error", error);
    return c.json({ error: { message: "internal error" } }, 500);
  });

  /**
   * Reads a body within the size limit and the in-flight budget, answering 503 if the collector
   * stops meanwhile. `use` works on it while the budget is held.
   */
  const withBody = async <T>(
    raw: Request,
    limit: number,
    contentEncoding: string | undefined,
    use: (body: Buffer, raw: Buffer) => Promise<T>,
  ): Promise<T> => {
    let held = 0;
    const full = () =>
      new BodyError(429, "the collector holds as many request bytes as it may: send again shortly");
    const aborter = new AbortController();
    reading.add(aborter);
    try {
      const declared = Number(raw.headers.get("content-length"));
      if (Number.isFinite(declared) && declared > 0) {
        // Before the body is read, a request may wait its turn: unread, it costs no memory.
        const bytes = Math.min(declared, limit);
        if (!(await ingest.reserveWithin(bytes, inFlightWaitMillis, aborter.signal))) {
          throw aborter.signal.aborted ? stoppingError() : full();
        }
        held += bytes;
      }
      const body = await readLimited(raw.body, limit, aborter.signal);
      const inflated = await decodeContent(body, contentEncoding, limit);
      // An identity body is its own inflated form: held once, not twice.
      const more = Math.max(0, body.length + (inflated === body ? 0 : inflated.length) - held);
      if (!ingest.reserve(more)) throw full();
      held += more;
      reading.delete(aborter);
      return await use(inflated, body);
    } finally {
      reading.delete(aborter);
      ingest.free(held);
    }
  };

  app.notFound((c) => c.json({ error: { message: `no such endpoint: ${c.req.method} ${c.req.path}` } }, 404));

  app.get("/health", (c) =>
    c.json({ ...ingest.health(), ...(forwarder === undefined ? {} : { forward: forwarder.stats }) }),
  );

  // Reads see what was acknowledged before them (the loader is usually a fraction of a second
  // behind); when storage lags more, they answer with what it has rather than wait, and say how
  // much is still on its way, so that a script counting what it sent knows to ask again.
  const readAfterWrite = async (): Promise<Record<string, string>> => {
    const pending = await ingest.pendingAfter(readAfterWriteMillis);
    return pending > 0 ? { [PENDING_BYTES_HEADER]: String(pending) } : {};
  };
  app.use("/api/v1/*", async (c, next) => {
    if (c.req.method === "GET") {
      for (const [name, value] of Object.entries(await readAfterWrite())) c.header(name, value);
    }
    return next();
  });

  app.post("/v1/traces", async (c) => {
    const encoding = encodingOf(c.req.header("content-type"));
    if (encoding === undefined) {
      const body = statusResponse(
        "json",
        RPC_INVALID_ARGUMENT,
        `Content-Type ${JSON.stringify(c.req.header("content-type") ?? "")} is not supported: use application/x-protobuf or application/json`,
      );
      return c.body(body, 415, { "content-type": CONTENT_TYPES.json });
    }
    const reply = (
      status: 200 | 400 | 413 | 415 | 429 | 503,
      body: Uint8Array<ArrayBuffer> | string,
      headers: Record<string, string> = {},
    ) => c.body(body, status, { "content-type": CONTENT_TYPES[encoding], ...headers });
    try {
      return await withBody(c.req.raw, maxBodyBytes, c.req.header("content-encoding"), async (body, raw) => {
        // Forwarded as received; copied first, since normalizing may move the body to a thread.
        const original = forwarder === undefined ? undefined : Buffer.from(raw);
        const outcome = await normalizer.normalize({ encoding, body, project: c.get("project") });
        if (outcome.status === "too-many-spans") {
          return reply(413, statusResponse(encoding, RPC_RESOURCE_EXHAUSTED, outcome.message));
        }
        if (outcome.status === "invalid") {
          return reply(400, statusResponse(encoding, RPC_INVALID_ARGUMENT, outcome.message));
        }
        const result = await ingest.acceptSpans(outcome.payload, outcome.spans);
        if (result.status !== "ok") {
          return reply(
            503,
            statusResponse(encoding, RPC_UNAVAILABLE, `${result.message}: send again later`),
            {
              "retry-after": String(retryAfterSeconds(result)),
            },
          );
        }
        activity.rejectedSpans += outcome.rejected;
        if (original !== undefined) {
          const contentEncoding = c.req.header("content-encoding");
          forwarder?.enqueue({
            bytes: original,
            contentType: CONTENT_TYPES[encoding],
            ...(contentEncoding === undefined ? {} : { contentEncoding }),
          });
        }
        const notes = [
          ...(outcome.rejected === 0
            ? []
            : [`rejected ${outcome.rejected} span(s): ${outcome.errors.join("; ")}`]),
          ...outcome.warnings,
        ];
        // A partial success with no span rejected carries warnings, as the OTLP specification allows.
        const partial =
          notes.length === 0
            ? undefined
            : { rejectedSpans: outcome.rejected, errorMessage: notes.join("; ") };
        return reply(200, exportResponse(encoding, partial));
      });
    } catch (error) {
      if (error instanceof BodyError) {
        const code =
          error.status === 413 || error.status === 429
            ? RPC_RESOURCE_EXHAUSTED
            : error.status === 503
              ? RPC_UNAVAILABLE
              : RPC_INVALID_ARGUMENT;
        const headers: Record<string, string> =
          error.status === 429 || error.status === 503 ? { "retry-after": "2" } : {};
        return reply(error.status, statusResponse(encoding, code, error.message), headers);
      }
      throw error;
    }
  });

  app.post("/v1/outcomes", async (c) => {
    if (encodingOf(c.req.header("content-type")) !== "json") {
      throw new HTTPException(415, { message: "send the outcome as application/json" });
    }
    let body: unknown;
    try {
      body = await withBody(c.req.raw, 64 * 1024, c.req.header("content-encoding"), async (raw) =>
        JSON.parse(raw.toString("utf8")),
      );
    } catch (error) {
      if (error instanceof BodyError) throw new HTTPException(error.status, { message: error.message });
      throw new HTTPException(400, { message: `body is not valid JSON: ${(error as Error).message}` });
    }
    const parsed = outcomeSchema.safeParse(body);
    if (!parsed.success) throw new HTTPException(400, { message: zodMessage(parsed.error) });
    const { runId, outcome, value } = parsed.data;
    const result = await ingest.acceptOutcome({
      project: c.get("project"),
      run_id: runId.toWellFormed(),
      outcome,
      outcome_value: value ?? null,
      received_at: millisText(Date.now()),
    });
    if (result.status !== "ok") {
      c.header("retry-after", String(retryAfterSeconds(result)));
      throw new HTTPException(503, { message: `${result.message}: send again later` });
    }
    return c.json({ runId, outcome, ...(value === undefined ? {} : { value }) });
  });

  app.post("/api/v1/analyze", async (c) => {
    // JSON only: a cross-site form post (text/plain, form-encoded) cannot start a pass.
    if (encodingOf(c.req.header("content-type")) !== "json") {
      throw new HTTPException(415, { message: 'send the request as application/json: {} or {"full": true}' });
    }
    const text = (await readLimited(c.req.raw.body, 4096).catch(() => Buffer.alloc(0))).toString("utf8");
    let body: unknown = {};
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        throw new HTTPException(400, { message: 'body is not valid JSON: send {} or {"full": true}' });
      }
    }
    const parsed = analyzeRequestSchema.safeParse(body);
    if (!parsed.success) throw new HTTPException(400, { message: zodMessage(parsed.error) });
    try {
      return c.json(await analysis.runNow({ full: parsed.data.full ?? false, project: c.get("project") }));
    } catch (error) {
      if (error instanceof NotDrainedError) {
        throw new HTTPException(503, { message: `cannot analyze yet: ${error.message}` });
      }
      throw error;
    }
  });

  reportRoutes(app, store);
  app.get("/api/v1/openapi.json", (c) => c.json(openApiDocument()));
  sqlRoutes(app, store, readAfterWrite);
  budgetRoutes(app, store, { meterNow: () => metering.runNow(), changed: () => metering.runSoon() });
  dashboardRoutes(app, store, { examples: EXAMPLE_QUERIES });

  return {
    app,
    analysis,
    metering,
    takeActivity: () => {
      const taken = { ...ingest.takeCounts(), ...activity };
      activity = { rejectedSpans: 0, passes: 0, runs: 0, findings: 0 };
      return taken;
    },
    refuseRequests: () => {
      refusing = true;
    },
    abortRequests: () => {
      for (const aborter of reading) aborter.abort();
    },
  };
}
