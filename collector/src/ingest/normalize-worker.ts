// A worker thread of the normalizing pool: takes requests' bytes, answers their log payloads.
import { parentPort, workerData } from "node:worker_threads";
import { type NormalizeJob, type NormalizeSettings, normalizeRequest } from "@leantrace/normalize";

const settings = workerData as NormalizeSettings;

parentPort?.on("message", (message: { id: number; job: NormalizeJob }) => {
  try {
    const outcome = normalizeRequest(message.job, settings);
    if (outcome.status !== "ok") {
      parentPort?.postMessage({ id: message.id, outcome });
      return;
    }
    // Moved, not copied, when the payload owns its memory (a small one may sit in Node's shared pool).
    const { payload } = outcome;
    const own = payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength;
    const moved = own ? payload : Uint8Array.prototype.slice.call(payload);
    parentPort?.postMessage({ id: message.id, outcome: { ...outcome, payload: moved } }, [
      moved.buffer as ArrayBuffer,
    ]);
  } catch (error) {
    parentPort?.postMessage({ id: message.id, failure: (error as Error).stack ?? String(error) });
  }
});
