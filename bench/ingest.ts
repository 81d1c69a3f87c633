// Ingest throughput on heavy, realistic spans: the real `leantrace collector` (embedded store)
// in its own process, concurrent clients posting OTLP/HTTP requests built from the real agent
// runs in examples/real-corpora/data (mini-swe-agent on SWE-bench, tau2-bench customer service),
// with content recorded as an instrumentation capturing it would (completions, tool arguments
// and results), once as JSON and once as protobuf, each on a fresh collector. Baseline in the
// same run: the same rows, normalized up front, inserted straight into a fresh embedded store in
// batches as large as the collector's loader makes, so each ingest figure reads as a share of
// what the engine itself takes. Every acknowledged span must be stored: a mismatch exits 1.
//
//   npx -y pnpm@10 bench:ingest [--clients 4] [--requests 800] [--spans-per-request 150]
//     [--phase baseline|json|protobuf ...] [--keep] [--collector-args="--ingest-threads 1 ..."]
//     [--collector-bin <project>/node_modules/.bin/leantrace]
import { execFileSync, fork } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { COLLECTOR_DEFAULTS } from "@leantrace/collector";
import { normalizeTraceRequest } from "@leantrace/normalize";
import {
  type AttributeInput,
  decodeTraceRequestJson,
  encodeTraceRequestJson,
  type SpanInput,
} from "@leantrace/otlp";
import { loadPriceTable } from "@leantrace/pricing";
import { openStore, type Store } from "@leantrace/storage";
import { spawnCollector } from "@leantrace/testing";
import { ROOT_CONTEXT, TraceFlags, trace } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  type IdGenerator,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

const PHASES = ["baseline", "json", "protobuf"] as const;
type Phase = (typeof PHASES)[number];
type Encoding = Exclude<Phase, "baseline">;

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "4" },
    requests: { type: "string", default: "800" },
    "spans-per-request": { type: "string", default: "150" },
    phase: { type: "string", multiple: true },
    keep: { type: "boolean", default: false },
    // More flags for the collector under test, to compare its settings in one run.
    "collector-args": { type: "string", default: "" },
    // The `leantrace` command to measure: the workspace's sources through tsx by default, or an
    // installed one (node_modules/.bin/leantrace where the packed packages are installed).
    "collector-bin": { type: "string" },
    // Set by the bench for its own child processes (chDB allows one data directory a process).
    worker: { type: "string" },
  },
});

function positive(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, not ${text}`);
  return n;
}

const CLIENTS = positive("clients", values.clients);
const REQUESTS = positive("requests", values.requests);
const SPANS_PER_REQUEST = positive("spans-per-request", values["spans-per-request"]);
const KEEP = values.keep;
const COLLECTOR_BIN = ((bin) => {
  if (bin === undefined) return undefined;
  if (!existsSync(bin))
    throw new Error(`--collector-bin ${bin} does not exist: give an installed node_modules/.bin/leantrace`);
  return realpathSync(bin);
})(values["collector-bin"]);
/**
 * The baseline's inserts: 8 MiB, or the collector loader's largest if that is larger. The
 * engine alone inserts 8 MiB batches 15 to 25% faster than the loader's 6 MiB (which it takes
 * to spare memory), and the baseline must stay the engine at its better size: a smaller loader
 * batch would otherwise flatter every ratio by slowing the baseline too.
 */
const BASELINE_BATCH_BYTES = Math.max(8 * 2 ** 20, COLLECTOR_DEFAULTS.loaderBatchBytes);
const BASELINE_REPEATS = 3;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** An OTLP exporter waits as Retry-After says; a benchmark that waited 2 s would measure its own pauses. */
const MAX_RETRY_WAIT_MILLIS = 1000;
const RSS_EVERY_MILLIS = 250;
const WINDOW_MILLIS = 5000;
const DRAIN_TIMEOUT_MILLIS = 600_000;
const DATA = fileURLToPath(new URL("../examples/real-corpora/data/", import.meta.url));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const mib = (bytes: number) => bytes / 2 ** 20;
const int = (n: number) => Math.round(n).toLocaleString("en-US");

// ---------------------------------------------------------------------------------------------
// The corpora: each recorded run as the spans a live trace of it would hold, without ids or times.

interface StepSpan {
  name: string;
  millis: number;
  attributes: Record<string, AttributeInput>;
}

interface Run {
  workflow: string;
  steps: StepSpan[];
}

interface Corpus {
  service: string;
  runs: Run[];
}

/** What semantic-convention instrumentation records of a completion: the output only, never the history. */
function outputMessages(parts: object[], finishReason: string): string {
  return JSON.stringify([{ role: "assistant", parts, finish_reason: finishReason }]);
}

interface TrajectoryMessage {
  role: string;
  content: string;
  extra?: {
    response?: {
      model?: string;
      provider?: string;
      choices?: { finish_reason?: string }[];
      usage?: {
        prompt_tokens?: number;
        completion_tokens?: number;
        prompt_tokens_details?: { cached_tokens?: number | null } | null;
        completion_tokens_details?: { reasoning_tokens?: number | null } | null;
      };
    };
  };
}

const BASH_BLOCK = /```bash\n([\s\S]*?)\n```/;
/** The harness's answer to a turn without exactly one command: it ran nothing. */
const FORMAT_ERROR = "Please always provide EXACTLY ONE action";

function miniSweAgent(): Corpus {
  const dir = join(DATA, "mini-swe-agent");
  const runs = readdirSync(dir)
    .filter((file) => file.endsWith(".traj.json"))
    .sort()
    .map((file): Run => {
      const { messages } = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
        messages: TrajectoryMessage[];
      };
      const steps: StepSpan[] = [];
      for (const [i, message] of messages.entries()) {
        if (message.role !== "assistant") continue;
        const response = message.extra?.response;
        const usage = response?.usage;
        const model = response?.model ?? "unknown";
        const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
        const reasoning = usage?.completion_tokens_details?.reasoning_tokens ?? 0;
        steps.push({
          name: `chat ${model}`,
          millis: 3000,
          attributes: {
            "gen_ai.operation.name": "chat",
            ...(response?.provider === undefined ? {} : { "gen_ai.provider.name": response.provider }),
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": usage?.prompt_tokens ?? 0,
            "gen_ai.usage.output_tokens": usage?.completion_tokens ?? 0,
            ...(cached > 0 ? { "gen_ai.usage.cache_read.input_tokens": cached } : {}),
            ...(reasoning > 0 ? { "gen_ai.usage.reasoning.output_tokens": reasoning } : {}),
            "gen_ai.output.messages": outputMessages(
              [{ type: "text", content: message.content }],
              (response?.choices?.[0]?.finish_reason ?? "stop").toLowerCase(),
            ),
          },
        });
        const command = BASH_BLOCK.exec(message.content)?.[1];
        const answer = messages[i + 1];
        if (command === undefined || answer?.role !== "user" || answer.content.startsWith(FORMAT_ERROR))
          continue;
        steps.push({
          name: "execute_tool bash",
          millis: 400,
          attributes: {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": "bash",
            "gen_ai.tool.call.arguments": JSON.stringify({ command }),
            "gen_ai.tool.call.result": answer.content,
          },
        });
      }
      return { workflow: "swe-bench", steps };
    });
  return { service: "mini-swe-agent", runs };
}

interface Tau2Message {
  role: string;
  content: string | null;
  id?: string;
  tool_calls?: { id: string; name: string; arguments: unknown }[] | null;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

function tau2(): Corpus {
  const dir = join(DATA, "tau2", "simulations");
  const runs: Run[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  for (const file of files) {
    const data = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      info?: { agent_info?: { llm?: string } };
      simulations: { messages: Tau2Message[] }[];
    };
    const llm = data.info?.agent_info?.llm ?? "unknown";
    const slash = llm.indexOf("/");
    const provider = slash === -1 ? undefined : llm.slice(0, slash);
    const model = llm.slice(slash + 1);
    const domain = /_(airline|telecom-workflow|telecom|retail)_/.exec(file)?.[1] ?? "customer-service";
    for (const simulation of data.simulations) {
      const results = new Map(
        simulation.messages.flatMap((m) => (m.role === "tool" && m.id ? [[m.id, m.content ?? ""]] : [])),
      );
      const steps: StepSpan[] = [];
      for (const message of simulation.messages) {
        // The greeting is scripted (no usage): no LLM call made it. The simulated user is the
        // world the agent talks to, not one of its steps.
        if (message.role !== "assistant" || !message.usage) continue;
        const calls = message.tool_calls ?? [];
        steps.push({
          name: `chat ${model}`,
          millis: 2000,
          attributes: {
            "gen_ai.operation.name": "chat",
            ...(provider === undefined ? {} : { "gen_ai.provider.name": provider }),
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": message.usage.prompt_tokens,
            "gen_ai.usage.output_tokens": message.usage.completion_tokens,
            "gen_ai.output.messages": outputMessages(
              [
                ...(message.content ? [{ type: "text", content: message.content }] : []),
                ...calls.map((c) => ({ type: "tool_call", id: c.id, name: c.name, arguments: c.arguments })),
              ],
              calls.length > 0 ? "tool_call" : "stop",
            ),
          },
        });
        for (const call of calls) {
          steps.push({
            name: `execute_tool ${call.name}`,
            millis: 50,
            attributes: {
              "gen_ai.operation.name": "execute_tool",
              "gen_ai.tool.name": call.name,
              "gen_ai.tool.call.id": call.id,
              "gen_ai.tool.call.arguments": JSON.stringify(call.arguments),
              "gen_ai.tool.call.result": results.get(call.id) ?? "",
            },
          });
        }
      }
      runs.push({ workflow: `tau2-${domain}`, steps });
    }
  }
  return { service: "tau2-agent", runs };
}

// ---------------------------------------------------------------------------------------------
// Requests: each corpus replayed over and over, every replay a new trace, its spans in the order
// they end (the workflow's root last) cut into requests as an exporter's batches would be.

interface BenchSpan extends SpanInput {
  parentSpanId: string;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, AttributeInput>;
}

interface Request {
  spans: number;
  json: Buffer;
  protobuf: Uint8Array | undefined;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
const MILLI = 1_000_000n;

/** Counters shared by all replays: every (trace id, span id) of the benchmark is unique. */
interface Ids {
  trace: number;
  span: number;
}

function* replay(corpus: Corpus, ids: Ids, epochNanos: bigint): Generator<BenchSpan> {
  for (let i = 0; ; i++) {
    const run = corpus.runs[i % corpus.runs.length] as Run;
    const traceId = hex(++ids.trace, 32);
    const rootId = hex(++ids.span, 16);
    // Replays a millisecond apart: many agents at once, as a fleet sending to one collector.
    const start = epochNanos + BigInt(ids.trace) * MILLI;
    let t = start;
    for (const step of run.steps) {
      const end = t + BigInt(step.millis) * MILLI;
      yield {
        traceId,
        spanId: hex(++ids.span, 16),
        parentSpanId: rootId,
        name: step.name,
        startTimeUnixNano: t,
        endTimeUnixNano: end,
        attributes: step.attributes,
      };
      t = end;
    }
    yield {
      traceId,
      spanId: rootId,
      parentSpanId: "",
      name: `invoke_workflow ${run.workflow}`,
      startTimeUnixNano: start,
      endTimeUnixNano: t,
      attributes: { "gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": run.workflow },
    };
  }
}

/** Hands the SDK the ids of the JSON requests, so both encodings carry the very same spans. */
class GivenIds implements IdGenerator {
  traceId = "";
  spanId = "";
  generateTraceId(): string {
    return this.traceId;
  }
  generateSpanId(): string {
    return this.spanId;
  }
}

const hrTime = (nanos: bigint): [number, number] => [
  Number(nanos / 1_000_000_000n),
  Number(nanos % 1_000_000_000n),
];

/** Protobuf as an OpenTelemetry SDK exports it: the spans made by its tracer, serialised by its exporter's code. */
function protobufEncoder(
  resource: Record<string, AttributeInput>,
): (spans: readonly BenchSpan[]) => Uint8Array {
  const ids = new GivenIds();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    idGenerator: ids,
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer("leantrace-bench");
  return (spans) => {
    for (const span of spans) {
      ids.traceId = span.traceId;
      ids.spanId = span.spanId;
      const parent =
        span.parentSpanId === ""
          ? ROOT_CONTEXT
          : trace.setSpanContext(ROOT_CONTEXT, {
              traceId: span.traceId,
              spanId: span.parentSpanId,
              traceFlags: TraceFlags.SAMPLED,
            });
      tracer
        .startSpan(
          span.name,
          { startTime: hrTime(span.startTimeUnixNano), attributes: span.attributes },
          parent,
        )
        .end(hrTime(span.endTimeUnixNano));
    }
    const bytes = ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans());
    exporter.reset();
    if (bytes === undefined) throw new Error("the OpenTelemetry SDK could not serialise its spans");
    return bytes;
  };
}

/** The same requests for the same arguments: the baseline's child process builds its own copy. */
function buildRequests(count: number, perRequest: number, epochMillis: number, protobuf: boolean): Request[] {
  const ids: Ids = { trace: 0, span: 0 };
  const epochNanos = BigInt(epochMillis) * MILLI;
  // One service a request: an exporter sends its own process's spans.
  const senders = [miniSweAgent(), tau2()].map((corpus) => {
    const resource = { "service.name": corpus.service, "service.version": "1.0.0" };
    return {
      resource,
      spans: replay(corpus, ids, epochNanos),
      protobuf: protobuf ? protobufEncoder(resource) : undefined,
    };
  });
  const requests: Request[] = [];
  for (let r = 0; r < count; r++) {
    const sender = senders[r % senders.length] as (typeof senders)[number];
    const spans = Array.from({ length: perRequest }, () => sender.spans.next().value as BenchSpan);
    requests.push({
      spans: spans.length,
      json: Buffer.from(encodeTraceRequestJson(spans, sender.resource)),
      protobuf: sender.protobuf?.(spans),
    });
  }
  return requests;
}

// ---------------------------------------------------------------------------------------------
// Child processes: the baseline insert and reading a stopped collector's data directory.

type WorkerTask =
  | { task: "baseline"; requests: number; spansPerRequest: number; epochMillis: number; keep: boolean }
  | { task: "count"; dir: string };

interface StoredCheck {
  spans: number;
  /** Over columns that depend on the span alone (not on when it arrived): the same spans, the same digest. */
  digest: string;
  version: string;
}

interface BaselineResult {
  rows: number;
  bytes: number;
  batches: number;
  millis: number[];
  /** CPU seconds the inserting process used over each repeat (the engine's threads included). */
  cpuSeconds: number[];
  stored: StoredCheck;
  peakRssMiB: number;
  dir: string;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds a process (`/proc/<pid>/stat`) or a thread (`/proc/<pid>/task/<tid>/stat`) has used, user and system. */
function cpuSeconds(statPath: string): number {
  try {
    const stat = readFileSync(statPath, "utf8");
    // After the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/**
 * A process's CPU seconds by thread: its main thread (the event loop), its other threads named
 * `node` (V8's helpers, and libuv's workers, on which chDB also runs part of each insert), and
 * the engine's own threads (insert pipelines, `MergeMutate` for merges, named by ClickHouse).
 */
interface ThreadCpu {
  main: number;
  otherNode: number;
  engine: number;
  merges: number;
}

function threadCpu(pid: number): ThreadCpu {
  const cpu: ThreadCpu = { main: 0, otherNode: 0, engine: 0, merges: 0 };
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return cpu; // the process is gone
  }
  for (const tid of tids) {
    try {
      const seconds = cpuSeconds(`/proc/${pid}/task/${tid}/stat`);
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      if (tid === String(pid)) cpu.main += seconds;
      else if (name === "node") cpu.otherNode += seconds;
      else {
        cpu.engine += seconds;
        if (name.startsWith("MergeMutate")) cpu.merges += seconds;
      }
    } catch {
      // the thread ended between listing and reading
    }
  }
  return cpu;
}

function procStatusMiB(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0; // the process is gone
  }
}

async function storedCheck(store: Store): Promise<StoredCheck> {
  const [row] = await store.select<{ spans: number; digest: string; version: string }>(
    `SELECT count() AS spans, version() AS version,
       toString(groupBitXor(cityHash64(trace_id, span_id, span_name, operation, tool_name, model,
         input_tokens, output_tokens, output_fp, result_fp, result_chars, tool_args_fp))) AS digest
     FROM {db:Identifier}.spans FINAL`,
  );
  if (row === undefined) throw new Error("count() returned no row");
  return row;
}

async function baselineWorker(task: Extract<WorkerTask, { task: "baseline" }>): Promise<BaselineResult> {
  const requests = buildRequests(task.requests, task.spansPerRequest, task.epochMillis, false);
  const prices = loadPriceTable();
  const batches: Buffer[] = [];
  let lines: string[] = [];
  let size = 0;
  let rows = 0;
  let bytes = 0;
  const flush = () => {
    batches.push(Buffer.from(lines.join("")));
    lines = [];
    size = 0;
  };
  for (const request of requests) {
    const normalized = normalizeTraceRequest(decodeTraceRequestJson(request.json.toString("utf8")), {
      prices,
    });
    for (const row of normalized.rows) {
      const line = `${JSON.stringify(row)}\n`;
      const length = Buffer.byteLength(line);
      if (size + length > BASELINE_BATCH_BYTES && lines.length > 0) flush();
      lines.push(line);
      size += length;
      bytes += length;
      rows++;
    }
  }
  if (lines.length > 0) flush();
  const dir = await mkdtemp(join(tmpdir(), "leantrace-ingest-baseline-"));
  const store = await openStore({ dataDir: dir });
  try {
    const millis: number[] = [];
    const cpuSeconds: number[] = [];
    for (let i = 0; i < BASELINE_REPEATS; i++) {
      if (i > 0) await store.command(`TRUNCATE TABLE ${store.database}.spans`);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (const batch of batches) {
        const result = await store.insertEncoded("spans", [batch]);
        if (result.status !== "ok")
          throw new Error(`baseline insert ${result.status}: ${result.error.message}`);
      }
      millis.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpuSeconds.push((cpu.user + cpu.system) / 1e6);
    }
    const stored = await storedCheck(store);
    return {
      rows,
      bytes,
      batches: batches.length,
      millis,
      cpuSeconds,
      stored,
      peakRssMiB: procStatusMiB(process.pid, "VmHWM"),
      dir,
    };
  } finally {
    await store.close();
    if (!task.keep) await rm(dir, { recursive: true, force: true });
  }
}

async function countWorker(dir: string): Promise<StoredCheck> {
  const store = await openStore({ dataDir: dir });
  try {
    return await storedCheck(store);
  } finally {
    await store.close();
  }
}

function inChild<T>(task: WorkerTask): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ["--worker", JSON.stringify(task)], {
      execArgv: process.execArgv,
    });
    let answer: { result: T } | undefined;
    child.once("message", (message) => {
      answer = { result: message as T };
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      if (answer !== undefined) resolve(answer.result);
      else reject(new Error(`the ${task.task} child process exited with code ${code} without an answer`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Load: clients posting as fast as answers come, retrying as an OTLP exporter does.

interface LoadStats {
  acknowledged: number;
  rejected: number;
  retries: Record<"429" | "503" | "connection", number>;
  failures: string[];
  warnings: Set<string>;
  /** When each request was acknowledged (ms from the start) and with how many spans. */
  acks: { at: number; spans: number }[];
}

/** Backing off as an exporter does: Retry-After when given (capped), else doubling pauses. */
function retryMillis(retryAfter: string | null, attempt: number): number {
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
  return Number.isFinite(seconds) && seconds >= 0
    ? Math.min(seconds * 1000, MAX_RETRY_WAIT_MILLIS)
    : Math.min(50 * 2 ** attempt, MAX_RETRY_WAIT_MILLIS);
}

function partialSuccess(encoding: Encoding, body: Uint8Array): { rejected: number; message: string } {
  if (body.length === 0) return { rejected: 0, message: "" };
  const partial =
    encoding === "json"
      ? (
          JSON.parse(Buffer.from(body).toString("utf8")) as {
            partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string };
          }
        ).partialSuccess
      : ProtobufTraceSerializer.deserializeResponse(body).partialSuccess;
  return { rejected: Number(partial?.rejectedSpans ?? 0), message: partial?.errorMessage ?? "" };
}

// node:http with kept-alive sockets, as OpenTelemetry's own exporters send: the load's clients
// share the machine's two cores with the collector, and undici's fetch took about three times
// the CPU a request (bench/RESULTS.md).
const AGENT = new Agent({ keepAlive: true, maxSockets: CLIENTS });

function post(
  url: string,
  contentType: string,
  body: Uint8Array,
): Promise<{ status: number; retryAfter: string | null; answer: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: "POST",
        agent: AGENT,
        headers: { "content-type": contentType, "content-length": body.length },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const retryAfter = response.headers["retry-after"];
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: typeof retryAfter === "string" ? retryAfter : null,
            answer: Buffer.concat(chunks),
          });
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

async function load(
  url: string,
  encoding: Encoding,
  requests: readonly Request[],
  exited: () => string | undefined,
): Promise<LoadStats & { seconds: number }> {
  const stats: LoadStats = {
    acknowledged: 0,
    rejected: 0,
    retries: { "429": 0, "503": 0, connection: 0 },
    failures: [],
    warnings: new Set(),
    acks: [],
  };
  const contentType = encoding === "json" ? "application/json" : "application/x-protobuf";
  const t0 = performance.now();
  const send = async (request: Request) => {
    const body = encoding === "json" ? request.json : (request.protobuf as Uint8Array);
    for (let attempt = 0; ; attempt++) {
      let status: number;
      let answer: Uint8Array;
      let retryAfter: string | null;
      try {
        ({ status, retryAfter, answer } = await post(`${url}/v1/traces`, contentType, body));
      } catch (error) {
        const gone = exited();
        if (gone !== undefined) throw new Error(`the collector exited during the load: ${gone}`);
        stats.retries.connection++;
        if (stats.retries.connection <= 3)
          console.log(`  connection error, retrying: ${(error as Error).message}`);
        await sleep(retryMillis(null, attempt));
        continue;
      }
      if (status === 200) {
        const partial = partialSuccess(encoding, answer);
        stats.acknowledged += request.spans - partial.rejected;
        stats.rejected += partial.rejected;
        if (partial.message !== "" && stats.warnings.size < 5)
          stats.warnings.add(partial.message.slice(0, 300));
        stats.acks.push({ at: performance.now() - t0, spans: request.spans - partial.rejected });
        return;
      }
      if (status === 429 || status === 503) {
        stats.retries[status === 429 ? "429" : "503"]++;
        await sleep(retryMillis(retryAfter, attempt));
        continue;
      }
      stats.failures.push(`${status}: ${Buffer.from(answer).toString("utf8").slice(0, 300)}`);
      return;
    }
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < requests.length; i = next++) await send(requests[i] as Request);
    }),
  );
  return { ...stats, seconds: (performance.now() - t0) / 1000 };
}

/** Acknowledged spans a second in each whole window of the load: how steady the rate was. */
function windowRates(acks: readonly { at: number; spans: number }[], seconds: number): number[] {
  const windows = Math.floor((seconds * 1000) / WINDOW_MILLIS);
  const spans = new Array<number>(windows).fill(0);
  for (const ack of acks) {
    const w = Math.floor(ack.at / WINDOW_MILLIS);
    if (w < windows) spans[w] = (spans[w] ?? 0) + ack.spans;
  }
  return spans.map((n) => n / (WINDOW_MILLIS / 1000));
}

interface IngestResult {
  encoding: Encoding;
  stats: LoadStats & { seconds: number };
  /** From the first request until the log was empty: every acknowledged span in storage. */
  storedSeconds: number;
  stored: StoredCheck;
  peakRssMiB: number;
  sampledPeakRssMiB: number;
  /** CPU time over wall time from the first request until stored: near the core count, CPU-bound. */
  collectorCores: number;
  benchCores: number;
  /** CPU microseconds a stored span, by thread, from the first request until the log was empty. */
  perSpan: ThreadCpu;
  deadLetterRows: number;
  exitCode: number | null;
  said: string[];
  dir: string;
}

interface HealthAnswer {
  log?: { pendingBytes?: number };
  deadLetters?: { rows?: number };
}

async function health(url: string): Promise<HealthAnswer> {
  return (await (await fetch(`${url}/health`)).json()) as HealthAnswer;
}

async function ingestPhase(encoding: Encoding, requests: readonly Request[]): Promise<IngestResult> {
  const dir = await mkdtemp(join(tmpdir(), `leantrace-ingest-${encoding}-`));
  const data = join(dir, "data");
  const collector = await spawnCollector(
    [
      "--data",
      data,
      "--wal",
      join(dir, "wal"),
      "--analyze-interval-seconds",
      "0",
      "--max-body-bytes",
      String(MAX_BODY_BYTES),
      ...(values["collector-args"] ?? "").split(" ").filter(Boolean),
    ],
    COLLECTOR_BIN,
  );
  const pid = collector.child.pid as number;
  const exited = () => {
    const { exitCode, signalCode } = collector.child;
    return exitCode === null && signalCode === null
      ? undefined
      : `exit code ${exitCode}, signal ${signalCode}\n${collector.output().slice(-4000)}`;
  };
  let sampledPeak = procStatusMiB(pid, "VmRSS");
  const sampler = setInterval(() => {
    sampledPeak = Math.max(sampledPeak, procStatusMiB(pid, "VmRSS"));
  }, RSS_EVERY_MILLIS);
  let stats: Awaited<ReturnType<typeof load>>;
  let storedSeconds: number;
  let peak: number;
  let deadLetterRows = 0;
  let collectorCores: number;
  let benchCores: number;
  let perSpan: ThreadCpu;
  try {
    const t0 = performance.now();
    const collectorCpu0 = cpuSeconds(`/proc/${pid}/stat`);
    const threads0 = threadCpu(pid);
    const benchCpu0 = process.cpuUsage();
    stats = await load(collector.url, encoding, requests, exited);
    // Acknowledged is on disk, in the log; stored is when the loader has emptied it.
    for (const deadline = Date.now() + DRAIN_TIMEOUT_MILLIS; ; ) {
      const answer = await health(collector.url);
      deadLetterRows = answer.deadLetters?.rows ?? 0;
      if ((answer.log?.pendingBytes ?? 0) === 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `the log still holds ${answer.log?.pendingBytes} bytes ${DRAIN_TIMEOUT_MILLIS / 1000} s after the load: ${JSON.stringify(answer)}`,
        );
      }
      await sleep(50);
    }
    storedSeconds = (performance.now() - t0) / 1000;
    collectorCores = (cpuSeconds(`/proc/${pid}/stat`) - collectorCpu0) / storedSeconds;
    const threads1 = threadCpu(pid);
    const micros = (key: keyof ThreadCpu) => ((threads1[key] - threads0[key]) * 1e6) / stats.acknowledged;
    perSpan = {
      main: micros("main"),
      otherNode: micros("otherNode"),
      engine: micros("engine"),
      merges: micros("merges"),
    };
    const benchCpu = process.cpuUsage(benchCpu0);
    benchCores = (benchCpu.user + benchCpu.system) / 1e6 / storedSeconds;
    // What the README promises: an analysis pass first writes every span accepted so far.
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${collector.url}/api/v1/analyze`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      const text = await response.text();
      if (response.status === 200) break;
      if (response.status !== 503 || attempt === 5) {
        throw new Error(`POST /api/v1/analyze answered ${response.status}: ${text}`);
      }
      await sleep(1000);
    }
    peak = Math.max(procStatusMiB(pid, "VmHWM"), sampledPeak);
  } finally {
    clearInterval(sampler);
  }
  const exitCode = await collector.stop();
  const said = collector
    .output()
    .split("\n")
    .filter((line) => line.trim() !== "" && !/listening on|SIGTERM, writing/.test(line));
  const stored = await inChild<StoredCheck>({ task: "count", dir: data });
  if (!KEEP) await rm(dir, { recursive: true, force: true });
  return {
    encoding,
    stats,
    storedSeconds,
    stored,
    peakRssMiB: peak,
    sampledPeakRssMiB: sampledPeak,
    collectorCores,
    benchCores,
    perSpan,
    deadLetterRows,
    exitCode,
    said,
    dir,
  };
}

// ---------------------------------------------------------------------------------------------

/** The chDB package the store runs on: it is the store's dependency, not the bench's. */
function chdbVersion(): string {
  try {
    const require = createRequire(fileURLToPath(import.meta.resolve("@leantrace/storage")));
    return (require("chdb/package.json") as { version: string }).version;
  } catch {
    return "?";
  }
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(" | ")} |`;
  return [
    line(rows[0] ?? []),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...rows.slice(1).map(line),
  ].join("\n");
}

async function main(): Promise<number> {
  const started = performance.now();
  const phases: Phase[] = [];
  for (const p of values.phase ?? PHASES) {
    if (!(PHASES as readonly string[]).includes(p))
      throw new Error(`--phase must be one of ${PHASES.join(", ")}`);
    if (!phases.includes(p as Phase)) phases.push(p as Phase);
  }
  const cpu = cpus();
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.versions.node}`,
  );
  console.log(
    `collector: ${COLLECTOR_BIN === undefined ? "the workspace's sources, through tsx" : `${COLLECTOR_BIN} (an installed build)`}`,
  );
  const epochMillis = Date.now() - 3_600_000;
  const buildStart = performance.now();
  const encodings = phases.filter((p): p is Encoding => p !== "baseline");
  const requests = buildRequests(REQUESTS, SPANS_PER_REQUEST, epochMillis, encodings.includes("protobuf"));
  const jsonBytes = requests.reduce((n, r) => n + r.json.length, 0);
  const protobufBytes = requests.reduce((n, r) => n + (r.protobuf?.length ?? 0), 0);
  const spans = requests.reduce((n, r) => n + r.spans, 0);
  const sizes = [miniSweAgent(), tau2()]
    .flatMap((c) => c.runs.flatMap((run) => run.steps))
    .map((step) => Buffer.byteLength(JSON.stringify(step.attributes)))
    .sort((a, b) => a - b);
  const percentile = (p: number) => int(sizes[Math.min(sizes.length - 1, Math.floor(p * sizes.length))] ?? 0);
  console.log(
    `corpus: ${int(sizes.length)} recorded steps; attribute bytes a span: median ${percentile(0.5)}, ` +
      `p90 ${percentile(0.9)}, p99 ${percentile(0.99)}, max ${int(sizes.at(-1) ?? 0)}`,
  );
  console.log(
    `requests: ${int(REQUESTS)} of ${SPANS_PER_REQUEST} spans (${int(spans)} spans), ` +
      `JSON ${mib(jsonBytes).toFixed(0)} MiB${protobufBytes > 0 ? `, protobuf ${mib(protobufBytes).toFixed(0)} MiB` : ""}, ` +
      `built in ${((performance.now() - buildStart) / 1000).toFixed(1)} s; ${CLIENTS} clients`,
  );

  let baseline: BaselineResult | undefined;
  const ingests: IngestResult[] = [];
  for (const phase of phases) {
    const t0 = performance.now();
    if (phase === "baseline") {
      baseline = await inChild<BaselineResult>({
        task: "baseline",
        requests: REQUESTS,
        spansPerRequest: SPANS_PER_REQUEST,
        epochMillis,
        keep: KEEP,
      });
      console.log(
        `baseline: ${int(baseline.rows)} rows, ${mib(baseline.bytes).toFixed(0)} MiB JSONEachRow in ${baseline.batches} inserts, ` +
          `${baseline.millis.map((ms) => int(ms)).join(", ")} ms; CPU ` +
          baseline.millis
            .map((ms, i) => ((baseline?.cpuSeconds[i] ?? 0) / (ms / 1000)).toFixed(2))
            .join(", ") +
          " cores",
      );
    } else {
      const result = await ingestPhase(phase, requests);
      ingests.push(result);
      const rates = windowRates(result.stats.acks, result.stats.seconds);
      const spread =
        rates.length === 0
          ? "no whole window"
          : `min ${int(Math.min(...rates))}, median ${int(median(rates))}, max ${int(Math.max(...rates))} spans/s`;
      console.log(
        `${phase}: ${int(result.stats.acknowledged)} spans acknowledged in ${result.stats.seconds.toFixed(1)} s, ` +
          `all stored after ${result.storedSeconds.toFixed(1)} s; ${WINDOW_MILLIS / 1000} s windows: ${spread}; ` +
          `retries: 429 ${result.stats.retries["429"]}, 503 ${result.stats.retries["503"]}, ` +
          `connection ${result.stats.retries.connection}; collector RSS sampled max ${int(result.sampledPeakRssMiB)} MiB; ` +
          `CPU: collector ${result.collectorCores.toFixed(2)} cores, bench ${result.benchCores.toFixed(2)}`,
      );
      const p = result.perSpan;
      console.log(
        `${phase}: collector CPU a span: event loop ${p.main.toFixed(0)} µs, Node's other threads ` +
          `${p.otherNode.toFixed(0)} µs (V8's helpers; libuv's workers, which also run part of each chDB insert), ` +
          `engine threads ${p.engine.toFixed(0)} µs (of which merges ${p.merges.toFixed(0)})`,
      );
    }
    console.log(`  (phase took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }

  const version = baseline?.stored.version ?? ingests[0]?.stored.version ?? "?";
  console.log(`\nembedded chDB ${chdbVersion()} (ClickHouse ${version})\n`);
  const baseRate = baseline === undefined ? undefined : baseline.rows / (median(baseline.millis) / 1000);
  const ratio = (rate: number) => (baseRate === undefined ? "" : `${(rate / baseRate).toFixed(2)} ×`);
  const rows: string[][] = [
    [
      "phase",
      "spans/s",
      "vs baseline",
      "spans/s to storage",
      "vs baseline",
      "peak RSS MiB",
      "acknowledged",
      "stored",
      "avg request",
    ],
  ];
  if (baseline !== undefined && baseRate !== undefined) {
    rows.push([
      `baseline insert (median of ${BASELINE_REPEATS})`,
      int(baseRate),
      "1 ×",
      int(baseRate),
      "1 ×",
      `${int(baseline.peakRssMiB)} (inserting process)`,
      "",
      int(baseline.stored.spans),
      `${(mib(baseline.bytes) / baseline.batches).toFixed(1)} MiB a batch`,
    ]);
  }
  for (const r of ingests) {
    const ack = r.stats.acknowledged / r.stats.seconds;
    const toStorage = r.stats.acknowledged / r.storedSeconds;
    const bytes = r.encoding === "json" ? jsonBytes : protobufBytes;
    rows.push([
      `${r.encoding} ingest`,
      int(ack),
      ratio(ack),
      int(toStorage),
      ratio(toStorage),
      `${int(r.peakRssMiB)} (collector)`,
      int(r.stats.acknowledged),
      int(r.stored.spans),
      `${(bytes / REQUESTS / 1024).toFixed(0)} KiB`,
    ]);
  }
  console.log(table(rows));
  console.log(
    "\nspans/s: acknowledged spans a second over the load (an answer waits for the write-ahead log on disk);" +
      " to storage: until the log was empty. Baseline: the same rows inserted straight into a fresh store.",
  );

  let failed = false;
  const loud = (message: string) => {
    failed = true;
    console.log(`\n!!! ${message}`);
  };
  for (const r of ingests) {
    const { stats } = r;
    if (r.stored.spans !== stats.acknowledged) {
      loud(
        `${r.encoding}: ${int(stats.acknowledged)} spans acknowledged but ${int(r.stored.spans)} stored (${int(stats.acknowledged - r.stored.spans)} lost)`,
      );
    }
    if (stats.failures.length > 0) {
      loud(
        `${r.encoding}: ${stats.failures.length} request(s) refused for good; first: ${stats.failures[0]}`,
      );
    }
    if (stats.rejected > 0)
      loud(`${r.encoding}: ${int(stats.rejected)} span(s) rejected in partial successes`);
    if (r.deadLetterRows > 0) loud(`${r.encoding}: ${int(r.deadLetterRows)} row(s) went to the dead letters`);
    if (r.exitCode !== 0) loud(`${r.encoding}: the collector exited with code ${r.exitCode}`);
    if (baseline !== undefined && r.stored.digest !== baseline.stored.digest) {
      loud(
        `${r.encoding}: the stored spans differ from the baseline's (digest ${r.stored.digest} ≠ ${baseline.stored.digest})`,
      );
    }
    for (const warning of stats.warnings) console.log(`${r.encoding}: partial success said: ${warning}`);
    if (r.said.length > 0)
      console.log(`${r.encoding}: the collector said:\n  ${r.said.slice(0, 400).join("\n  ")}`);
    if (KEEP) console.log(`${r.encoding}: kept ${r.dir}`);
  }
  if (baseline !== undefined && baseline.stored.spans !== spans) {
    loud(`baseline: ${int(spans)} spans built but ${int(baseline.stored.spans)} stored`);
  }
  if (KEEP && baseline !== undefined) console.log(`baseline: kept ${baseline.dir}`);
  console.log(
    `\n${failed ? "FAILED" : "every acknowledged span stored"}; took ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return failed ? 1 : 0;
}

if (values.worker !== undefined) {
  const task = JSON.parse(values.worker) as WorkerTask;
  const result = task.task === "baseline" ? await baselineWorker(task) : await countWorker(task.dir);
  process.send?.(result, () => process.disconnect());
} else {
  process.exitCode = await main();
}
