// Load and soak: how many spans a second the collector (embedded store) acknowledges, then a
// steady load at 80% of that for a few minutes: RSS over time, errors, and whether every
// acknowledged span is stored. Baseline measured in the same run: GET /health requests a second
// (the HTTP floor), so the ingest figure reads as a ratio too.
//
//   npx -y pnpm@10 bench:soak [--seconds 180]
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { encodeTraceRequestJson } from "@leantrace/otlp";
import { openStore } from "@leantrace/storage";
import { spawnCollector, storeFlags } from "@leantrace/testing";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "180" } } });
const SOAK_SECONDS = Number(values.seconds);
const SPANS_PER_REQUEST = 100;
const SENDERS = 16;

let batchCounter = 0;
function batch(): string {
  batchCounter++;
  const traceId = batchCounter.toString(16).padStart(32, "0");
  const now = BigInt(Date.now()) * 1_000_000n;
  return encodeTraceRequestJson(
    Array.from({ length: SPANS_PER_REQUEST }, (_, i) => ({
      traceId,
      spanId: (i + 1).toString(16).padStart(16, "0"),
      parentSpanId: i === 0 ? "" : "0000000000000001",
      name: i === 0 ? "invoke_workflow soak" : "chat gpt-4o-mini",
      startTimeUnixNano: now + BigInt(i),
      endTimeUnixNano: now + BigInt(i) + 1000n,
      attributes: {
        "gen_ai.operation.name": i === 0 ? "invoke_workflow" : "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 80,
      },
    })),
  );
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const dir = await mkdtemp(join(tmpdir(), "leantrace-soak-"));
const collector = await spawnCollector([...storeFlags(dir), "--analyze-interval-seconds", "0"]);
const pid = collector.child.pid as number;
let acknowledged = 0;
let errors = 0;

async function post(): Promise<void> {
  const response = await fetch(`${collector.url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: batch(),
  });
  await response.arrayBuffer();
  if (response.status === 200) acknowledged += SPANS_PER_REQUEST;
  else errors++;
}

/** Senders in parallel, each as fast as answers come, for `seconds`; returns requests a second. */
async function flatOut(seconds: number, request: () => Promise<void>): Promise<number> {
  let done = 0;
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (Date.now() < end) {
        await request();
        done++;
      }
    }),
  );
  return done / seconds;
}

try {
  const health = await flatOut(5, async () => {
    await (await fetch(`${collector.url}/health`)).arrayBuffer();
  });
  const requests = await flatOut(15, post);
  const capacity = requests * SPANS_PER_REQUEST;
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  console.log(`baseline GET /health: ${health.toFixed(0)} requests/s`);
  console.log(
    `sustained ingest: ${capacity.toFixed(0)} spans/s (${requests.toFixed(0)} requests/s of ${SPANS_PER_REQUEST} spans; ${(requests / health).toFixed(2)} × the /health rate)`,
  );

  // The soak: 80% of that, paced, with RSS sampled every 5 seconds.
  const rate = 0.8 * requests;
  const samples: number[] = [rssMiB(pid)];
  const sampler = setInterval(() => samples.push(rssMiB(pid)), 5000);
  const start = Date.now();
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  while (Date.now() - start < SOAK_SECONDS * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate);
    while (sent < due) {
      const p = post().catch(() => {
        errors++;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      sent++;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(inFlight);
  clearInterval(sampler);
  samples.push(rssMiB(pid));
  console.log(
    `soak: ${SOAK_SECONDS} s at ${(rate * SPANS_PER_REQUEST).toFixed(0)} spans/s, ${sent} requests, ${errors} errors; ` +
      `collector RSS MiB first ${samples[0]?.toFixed(0)}, median ${median(samples).toFixed(0)}, last ${samples.at(-1)?.toFixed(0)}, max ${Math.max(...samples).toFixed(0)}`,
  );
  console.log(`  RSS every 5 s: ${samples.map((x) => x.toFixed(0)).join(" ")}`);
} finally {
  const code = await collector.stop();
  const store = await openStore({ dataDir: join(dir, "data") });
  const [stored] = await store.select<{ n: number }>("SELECT count() AS n FROM {db:Identifier}.spans FINAL");
  await store.close();
  console.log(
    `stopped with exit code ${code}; acknowledged ${acknowledged} spans, stored ${stored?.n}: ${acknowledged - (stored?.n ?? 0)} lost`,
  );
  await rm(dir, { recursive: true, force: true });
}
