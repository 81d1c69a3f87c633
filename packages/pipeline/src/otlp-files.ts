// Loads OTLP/JSON files (one ExportTraceServiceRequest each, as the SDK's file exporter writes
// them) into a store: the same decoding and normalization as `POST /v1/traces`, for CI runs
// that have no collector.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { normalizeTraceRequest } from "@leantrace/normalize";
import { decodeTraceRequestJson, OtlpDecodeError } from "@leantrace/otlp";
import type { PriceTable } from "@leantrace/pricing";
import type { Store } from "@leantrace/storage";

/** A file or folder that cannot be read as OTLP/JSON; the message names it. */
export class OtlpFileError extends Error {
  override readonly name = "OtlpFileError";
}

async function jsonFiles(path: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new OtlpFileError(`${path} does not exist: expected an OTLP/JSON file or a folder of them`);
  }
  if (info.isFile()) return [path];
  const names = (await readdir(path, { recursive: true })).filter((n) => n.endsWith(".json")).sort();
  return names.map((n) => join(path, n));
}

export interface IngestResult {
  files: number;
  spans: number;
  rejected: number;
}

export async function ingestOtlpFiles(store: Store, path: string, prices: PriceTable): Promise<IngestResult> {
  const result: IngestResult = { files: 0, spans: 0, rejected: 0 };
  for (const file of await jsonFiles(path)) {
    let batch: ReturnType<typeof normalizeTraceRequest>;
    try {
      batch = normalizeTraceRequest(decodeTraceRequestJson(await readFile(file, "utf8")), { prices });
    } catch (error) {
      if (error instanceof OtlpDecodeError)
        throw new OtlpFileError(`${file} is not OTLP/JSON: ${error.message}`);
      throw error;
    }
    const written = await store.insertSpans(batch.rows);
    if (written.status !== "ok")
      throw new OtlpFileError(`${file}: storage refused the spans: ${written.error.message}`);
    result.files++;
    result.spans += batch.rows.length;
    result.rejected += batch.rejected;
  }
  return result;
}
