// A worker thread of the normalising pool: takes requests' bytes, answers their log payloads.
import { parentPort, workerData } from "node:worker_threads";
import { type NormaliseJob, type NormaliseSettings, normaliseRequest } from "./normalise-request.ts";

const settings = workerData as NormaliseSettings;

parentPort?.on("message", (message: { id: number; job: NormaliseJob }) => {
  try {
    const outcome = normaliseRequest(message.job, settings);
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
