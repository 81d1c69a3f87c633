// Reads a request body under a size cap, and undoes gzip under the same cap: a small gzip bomb
// is refused once it inflates past the limit, never held in memory whole.

import { promisify } from "node:util";
import { gunzip } from "node:zlib";

const gunzipAsync = promisify(gunzip);

/** Why a body could not be read; `status` is the HTTP answer. */
export class BodyError extends Error {
  override readonly name = "BodyError";
  constructor(
    readonly status: 400 | 413 | 415 | 429 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** What a request is answered when the collector stops before it is read. */
export const stoppingError = () => new BodyError(503, "the collector is stopping: send again shortly");

/** Reads the whole body; `signal` stops a slow one (the collector is stopping): 503. */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limitBytes: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  if (body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  const stopping = new Promise<never>((_, reject) => {
    const abort = () => reject(stoppingError());
    if (signal?.aborted) abort();
    signal?.addEventListener("abort", abort, { once: true });
  });
  stopping.catch(() => undefined);
  for (;;) {
    let next: Awaited<ReturnType<typeof reader.read>>;
    try {
      next = await (signal === undefined ? reader.read() : Promise.race([reader.read(), stopping]));
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    }
    const { done, value } = next;
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel();
      throw new BodyError(413, `request body is larger than the limit of ${limitBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export async function decodeContent(
  raw: Buffer,
  contentEncoding: string | undefined,
  limitBytes: number,
): Promise<Buffer> {
  const encoding = (contentEncoding ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return raw;
  if (encoding !== "gzip") {
    throw new BodyError(
      415,
      `Content-Encoding ${JSON.stringify(contentEncoding)} is not supported: use gzip or none`,
    );
  }
  try {
    return await gunzipAsync(raw, { maxOutputLength: limitBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError) {
      throw new BodyError(413, `decompressed request body is larger than the limit of ${limitBytes} bytes`);
    }
    throw new BodyError(400, `request body is not valid gzip: ${(error as Error).message}`);
  }
}
