// The collector's HTTP surface as a Hono app: OTLP/HTTP ingest, late outcomes, the report API.
// It holds no state of its own beyond the insert batchers; storage is passed in.

import {
  AnalysisScheduler,
  type AnalyzerOptions,
  resolveAnalyzerConfig,
  type SchedulerOptions,
} from "@leantrace/analyzers";
import { firstIssue, isOutcome } from "@leantrace/conventions";
import { loadPriceTable, type PriceTable } from "@leantrace/pricing";
import {
  findingsFilterSchema,
  listFindings,
  reportFilterSchema,
  runTotals,
  runTotalsFilterSchema,
  summariseFindings,
  workflowReport,
} from "@leantrace/reports";
import type { OutcomeRow, SpanRow, Store, WriteResult } from "@leantrace/storage";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { type AuthEnv, authMiddleware } from "./auth.ts";
import { Batcher, type BatcherOptions } from "./ingest/batcher.ts";
import { BodyError, decodeContent, readLimited } from "./ingest/body.ts";
import type { Spool } from "./ingest/spool.ts";
import { normaliseTraceRequest } from "./normalise/span-row.ts";
import { decodeTraceRequestJson } from "./otlp/decode-json.ts";
import { decodeTraceRequestProtobuf } from "./otlp/decode-protobuf.ts";
import type { DecodedResourceSpans } from "./otlp/model.ts";
import { OtlpDecodeError } from "./otlp/model.ts";
import {
  CONTENT_TYPES,
  type Encoding,
  exportResponse,
  RPC_INTERNAL,
  RPC_INVALID_ARGUMENT,
  RPC_RESOURCE_EXHAUSTED,
  RPC_UNAVAILABLE,
  statusResponse,
} from "./otlp/responses.ts";

export interface CollectorAppOptions {
  /**
   * Require an API key on every endpoint but /health even when no key exists yet (the server
   * sets it when listening beyond loopback). Keys are required anyway once one exists.
   * @default false
   */
  requireApiKey?: boolean;
  /** Analyzer thresholds and how often the analysis runs by itself. */
  analysis?: AnalyzerOptions & Pick<SchedulerOptions, "intervalMillis">;
  /** Where batches go when storage cannot take them now; none: answer 503 instead. */
  spool?: Spool;
  /** Prices used to cost each step. @default the shipped list prices */
  prices?: PriceTable;
  /** Longest attribute value kept; longer ones are cut with a marker. @default 65536 */
  maxAttributeChars?: number;
  /** Largest request body accepted, after decompression, in bytes. @default 16 MiB */
  maxBodyBytes?: number;
  batch?: BatcherOptions;
}

export interface CollectorApp {
  app: Hono<AuthEnv>;
  /** Analysis passes: started by the server, run on demand by `POST /api/v1/analyze`. */
  analysis: AnalysisScheduler;
  /** Writes every row accepted so far. */
  flush(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

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

function writeFailure(result: Exclude<WriteResult, { status: "ok" }>): {
  status: 500 | 503;
  message: string;
} {
  return result.status === "retryable"
    ? { status: 503, message: `storage is unavailable, retry later: ${result.error.message}` }
    : { status: 500, message: `storage refused the data: ${result.error.message}` };
}

/** A request's first problem as one sentence: where, and what was wrong. */
function zodMessage(error: z.ZodError): string {
  const { where, message } = firstIssue(error, "body");
  return `${where}: ${message}`;
}

export function createCollectorApp(store: Store, options: CollectorAppOptions = {}): CollectorApp {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const prices = options.prices ?? loadPriceTable();
  const spool = options.spool;
  const spans = new Batcher<SpanRow>(
    (rows) => (spool ? spool.write("spans", rows) : store.insertSpans(rows)),
    options.batch,
  );
  const outcomes = new Batcher<OutcomeRow>(
    (rows) => (spool ? spool.write("outcomes", rows) : store.insertOutcomes(rows)),
    options.batch,
  );
  const flush = async () => {
    await Promise.all([spans.flush(), outcomes.flush()]);
  };
  const analysis = new AnalysisScheduler(store, resolveAnalyzerConfig(options.analysis), {
    intervalMillis: options.analysis?.intervalMillis,
    beforePass: flush,
  });
  const app = new Hono<AuthEnv>();
  app.use(authMiddleware(store, options.requireApiKey ?? false));

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      return c.json({ error: { message: error.message } }, error.status);
    }
    console.error("leantrace collector: unexpected error", error);
    return c.json({ error: { message: "internal error" } }, 500);
  });

  app.get("/health", (c) => c.json({ status: "ok" }));

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
      status: 200 | 400 | 413 | 415 | 500 | 503,
      body: Uint8Array<ArrayBuffer> | string,
      headers = {},
    ) =>
      c.body(body, status, {
        "content-type": CONTENT_TYPES[encoding],
        ...headers,
      });
    let request: DecodedResourceSpans[];
    try {
      const raw = await readLimited(c.req.raw.body, maxBodyBytes);
      const body = await decodeContent(raw, c.req.header("content-encoding"), maxBodyBytes);
      request =
        encoding === "json"
          ? decodeTraceRequestJson(body.toString("utf8"))
          : decodeTraceRequestProtobuf(body);
    } catch (error) {
      if (error instanceof BodyError) {
        const code = error.status === 413 ? RPC_RESOURCE_EXHAUSTED : RPC_INVALID_ARGUMENT;
        return reply(error.status, statusResponse(encoding, code, error.message));
      }
      if (error instanceof OtlpDecodeError) {
        return reply(400, statusResponse(encoding, RPC_INVALID_ARGUMENT, error.message));
      }
      throw error;
    }
    const batch = normaliseTraceRequest(request, {
      prices,
      maxAttributeChars: options.maxAttributeChars,
      project: c.get("project"),
    });
    const result = await spans.add(batch.rows);
    if (result.status !== "ok") {
      const failure = writeFailure(result);
      const code = failure.status === 503 ? RPC_UNAVAILABLE : RPC_INTERNAL;
      const headers =
        result.status === "retryable" ? { "retry-after": String(Math.ceil(result.delayMillis / 1000)) } : {};
      return reply(failure.status, statusResponse(encoding, code, failure.message), headers);
    }
    const partial =
      batch.rejected === 0
        ? undefined
        : {
            rejectedSpans: batch.rejected,
            errorMessage: `rejected ${batch.rejected} span(s): ${batch.errors.join("; ")}`,
          };
    return reply(200, exportResponse(encoding, partial));
  });

  app.post("/v1/outcomes", async (c) => {
    if (encodingOf(c.req.header("content-type")) !== "json") {
      throw new HTTPException(415, { message: "send the outcome as application/json" });
    }
    let body: unknown;
    try {
      body = JSON.parse((await readLimited(c.req.raw.body, 64 * 1024)).toString("utf8"));
    } catch (error) {
      if (error instanceof BodyError) throw new HTTPException(error.status, { message: error.message });
      throw new HTTPException(400, { message: `body is not valid JSON: ${(error as Error).message}` });
    }
    const parsed = outcomeSchema.safeParse(body);
    if (!parsed.success) throw new HTTPException(400, { message: zodMessage(parsed.error) });
    const { runId, outcome, value } = parsed.data;
    const result = await outcomes.add([
      { project: c.get("project"), run_id: runId, outcome, outcome_value: value ?? null },
    ]);
    if (result.status !== "ok") {
      const failure = writeFailure(result);
      throw new HTTPException(failure.status, { message: failure.message });
    }
    return c.json({ runId, outcome, ...(value === undefined ? {} : { value }) });
  });

  app.get("/api/v1/report", async (c) => {
    const parsed = reportFilterSchema.safeParse(c.req.query());
    if (!parsed.success) throw new HTTPException(400, { message: zodMessage(parsed.error) });
    return c.json(await workflowReport(store, c.get("project"), parsed.data));
  });

  app.post("/api/v1/analyze", async (c) => {
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
    return c.json(await analysis.runNow({ full: parsed.data.full ?? false, project: c.get("project") }));
  });

  app.get("/api/v1/runs", async (c) => {
    const parsed = runTotalsFilterSchema.safeParse(c.req.query());
    if (!parsed.success) throw new HTTPException(400, { message: zodMessage(parsed.error) });
    return c.json(await runTotals(store, c.get("project"), parsed.data));
  });

  app.get("/api/v1/findings", async (c) => {
    const parsed = findingsFilterSchema.safeParse(c.req.query());
    if (!parsed.success) throw new HTTPException(400, { message: zodMessage(parsed.error) });
    return c.json(await listFindings(store, c.get("project"), parsed.data));
  });

  app.get("/api/v1/findings/summary", async (c) => {
    const parsed = findingsFilterSchema.safeParse(c.req.query());
    if (!parsed.success) throw new HTTPException(400, { message: zodMessage(parsed.error) });
    return c.json(await summariseFindings(store, c.get("project"), parsed.data));
  });

  return { app, analysis, flush };
}
