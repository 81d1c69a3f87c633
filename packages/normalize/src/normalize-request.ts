// One OTLP request's bytes to the log frame that stores them: decoded, normalized into rows,
// every value bounded, encoded as JSONEachRow. A pure function of the request, so that it can
// run beside other requests on worker threads and never touch another request's data.

import type { Encoding } from "@leantrace/otlp";
import {
  decodeTraceRequestJson,
  decodeTraceRequestProtobuf,
  OtlpDecodeError,
  TooManySpansError,
} from "@leantrace/otlp";
import type { PriceTable } from "@leantrace/pricing";
import { encodeRows } from "@leantrace/storage";
import { normalizeTraceRequest } from "./span-row.ts";

export interface NormalizeSettings {
  prices: PriceTable;
  maxAttributeChars?: number;
  maxSpans: number;
}

export interface NormalizeJob {
  encoding: Encoding;
  body: Uint8Array;
  project: string;
}

export type NormalizeOutcome =
  | {
      status: "ok";
      /** The rows as JSONEachRow, ready for the log. */
      payload: Uint8Array;
      spans: number;
      rejected: number;
      errors: string[];
      warnings: string[];
    }
  /** The body is not an OTLP request (400). */
  | { status: "invalid"; message: string }
  /** More spans than one request may carry (413). */
  | { status: "too-many-spans"; message: string };

export function normalizeRequest(job: NormalizeJob, settings: NormalizeSettings): NormalizeOutcome {
  try {
    const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
    const request =
      job.encoding === "json"
        ? decodeTraceRequestJson(body.toString("utf8"), { maxSpans: settings.maxSpans })
        : decodeTraceRequestProtobuf(body, { maxSpans: settings.maxSpans });
    const batch = normalizeTraceRequest(request, {
      prices: settings.prices,
      maxAttributeChars: settings.maxAttributeChars,
      project: job.project,
    });
    return {
      status: "ok",
      payload: encodeRows(batch.rows),
      spans: batch.rows.length,
      rejected: batch.rejected,
      errors: batch.errors,
      warnings: batch.warnings,
    };
  } catch (error) {
    if (error instanceof TooManySpansError) return { status: "too-many-spans", message: error.message };
    if (error instanceof OtlpDecodeError) return { status: "invalid", message: error.message };
    throw error;
  }
}
