// Where requests are normalized: on the event loop, or on a pool of worker threads so that
// decoding and normalizing (most of a request's cost) use every core while the event loop only
// reads bodies and answers. The same pure function runs either way (normalize-request.ts).
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  type NormalizeJob,
  type NormalizeOutcome,
  type NormalizeSettings,
  normalizeRequest,
} from "@leantrace/normalize";

export interface Normalizer {
  normalize(job: NormalizeJob): Promise<NormalizeOutcome>;
  close(): Promise<void>;
}

/** On the event loop: for tests and for `--ingest-threads 0`. */
export function inlineNormalizer(settings: NormalizeSettings): Normalizer {
  return {
    normalize: async (job) => normalizeRequest(job, settings),
    close: async () => undefined,
  };
}

interface Pending {
  resolve: (outcome: NormalizeOutcome) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: number;
}

/** Environment variable naming tsx's API module, set by the `leantrace` command when it runs from TypeScript sources. */
export const TS_LOADER_ENV = "LEANTRACE_TSX_API";

function startWorker(settings: NormalizeSettings): Worker {
  const entry = new URL(`./normalize-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry, { workerData: settings });
  // Running from TypeScript sources (the workspace): the worker loads them through tsx too.
  const tsx = process.env[TS_LOADER_ENV];
  if (tsx === undefined) {
    throw new Error(`ingest threads need ${TS_LOADER_ENV} when run from TypeScript sources; use 0 threads`);
  }
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => m.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}))`;
  return new Worker(bootstrap, { eval: true, workerData: settings });
}

export function threadedNormalizer(settings: NormalizeSettings, threads: number): Normalizer {
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let closing = false;
  const slots: Slot[] = [];
  const spawn = (): Slot => {
    const slot: Slot = { worker: startWorker(settings), busy: 0 };
    slot.worker.on("message", (message: { id: number; outcome?: NormalizeOutcome; failure?: string }) => {
      const waiting = pending.get(message.id);
      if (waiting === undefined) return;
      pending.delete(message.id);
      slot.busy--;
      if (message.outcome !== undefined) waiting.resolve(message.outcome);
      else waiting.reject(new Error(`normalizing failed: ${message.failure}`));
    });
    slot.worker.on("error", (error) => {
      console.error("leantrace collector: an ingest thread failed", error);
    });
    slot.worker.on("exit", () => {
      if (closing) return;
      // A worker that died takes its requests' answers with it (500 each) and is replaced.
      for (const [id, waiting] of pending) {
        if ((waiting as Pending & { slot?: Slot }).slot === slot) {
          pending.delete(id);
          waiting.reject(new Error("an ingest thread stopped"));
        }
      }
      slots[slots.indexOf(slot)] = spawn();
    });
    return slot;
  };
  for (let i = 0; i < threads; i++) slots.push(spawn());
  return {
    normalize: (job) =>
      new Promise((resolve, reject) => {
        const slot = slots.reduce((a, b) => (b.busy < a.busy ? b : a));
        const id = nextId++;
        pending.set(id, Object.assign({ resolve, reject }, { slot }));
        slot.busy++;
        // The body moves to the worker without a copy when it owns its memory.
        const own = job.body.byteOffset === 0 && job.body.byteLength === job.body.buffer.byteLength;
        const body = own ? job.body : job.body.slice();
        slot.worker.postMessage({ id, job: { ...job, body } }, [body.buffer as ArrayBuffer]);
      }),
    close: async () => {
      closing = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
