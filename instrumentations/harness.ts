// The test side of a scenario: a fake provider scripted by the test, a real collector (the
// `leantrace collector` command in a child process), the scenario in a process of its own, then
// the analysis and the stored rows read back: through the collector's HTTP API, and after it
// stopped, from its data directory.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openStore } from "@leantrace/storage";
import { type CollectorProcess, spawnCollector, storeFlags } from "@leantrace/testing";
import { type FakeProvider, type Reply, startFakeProvider } from "@leantrace/testing/fake-provider";

const HERE = dirname(fileURLToPath(import.meta.url));
const SCENARIO_TIMEOUT_MILLIS = 30_000;

/** The columns of a stored span the tests look at. */
export interface StoredSpan {
  run_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  span_name: string;
  scope_name: string;
  kind: string;
  operation: string;
  workflow: string;
  service_name: string;
  model: string;
  provider: string;
  tool_name: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
  /** The span that counts this provider call, when this one repeats it; '' otherwise. */
  duplicate_of: string;
  result_fp: string;
  input_part_fps: string[];
  output_fp: string;
  effect: string;
  start_time: string;
  end_time: string;
  span_attributes: Record<string, string>;
}

/** A run as `GET /api/v1/runs` gives it. */
export interface RunTotal {
  runId: string;
  workflow: string;
  outcome: string;
  tokens: number;
}

export interface Finding {
  runId: string;
  kind: string;
  pattern: string;
  confidence: string;
  explanation: string;
  wastedTokens: number;
}

export interface Stored {
  spans: StoredSpan[];
  runs: RunTotal[];
  findings: Finding[];
  report: { workflows: { workflow: string; runs: number; totalTokens: number }[] };
}

export interface Harness {
  readonly collector: CollectorProcess;
  /** Runs `scenarios/NAME.ts` against `provider` in a child process; throws with its output on failure. */
  scenario(name: string, script: readonly Reply[], env?: Record<string, string>): Promise<FakeProvider>;
  /** A full analysis, the API's answers, then (the collector stopped) every stored span. */
  collect(): Promise<Stored>;
  close(): Promise<void>;
}

/** The environment of an application, not of a test: some libraries trace nothing under NODE_ENV=test. */
function applicationEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key === "NODE_ENV" || key.startsWith("VITEST")) delete env[key];
  return { ...env, ...extra };
}

function runNode(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: HERE, env: applicationEnv(env), timeout: SCENARIO_TIMEOUT_MILLIS, maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function startHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), "leantrace-instrumentations-"));
  const collector = await spawnCollector([
    ...storeFlags(dir),
    "--analyze-interval-seconds",
    "0",
    // Every run is complete as soon as it is stored: the analysis below sees all of them.
    "--idle-seconds",
    "0",
  ]);
  const providers: FakeProvider[] = [];
  let stopped = false;
  return {
    collector,
    async scenario(name, script, env = {}) {
      const provider = await startFakeProvider(script);
      providers.push(provider);
      const { code, output } = await runNode(["--import", "tsx", join(HERE, "scenarios", `${name}.ts`)], {
        FAKE_PROVIDER_URL: provider.url,
        LEANTRACE_ENDPOINT: collector.url,
        ...env,
      });
      if (code !== 0) throw new Error(`scenario ${name} exited with ${code}:\n${output}`);
      if (provider.problems.length > 0) {
        throw new Error(`scenario ${name}: ${provider.problems.join("; ")}\n${output}`);
      }
      if (provider.remaining() > 0) {
        throw new Error(`scenario ${name} left ${provider.remaining()} scripted replies unused:\n${output}`);
      }
      return provider;
    },
    async collect() {
      const analyzed = await fetch(`${collector.url}/api/v1/analyze`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"full":true}',
      });
      if (analyzed.status !== 200) throw new Error(`analyze: ${analyzed.status} ${await analyzed.text()}`);
      const runs = (await getJson<{ runs: RunTotal[] }>(`${collector.url}/api/v1/runs`)).runs;
      const findings = (await getJson<{ findings: Finding[] }>(`${collector.url}/api/v1/findings?limit=1000`))
        .findings;
      const report = await getJson<Stored["report"]>(`${collector.url}/api/v1/report`);
      const code = await collector.stop();
      stopped = true;
      if (code !== 0) throw new Error(`the collector exited with ${code}:\n${collector.output()}`);
      const store = await openStore({ dataDir: join(dir, "data") });
      try {
        const spans = await store.select<StoredSpan>(
          `SELECT run_id, trace_id, span_id, parent_span_id, span_name, scope_name, kind, operation, workflow,
                  service_name, model, provider, tool_name, input_tokens, output_tokens, cache_read_input_tokens,
                  cache_creation_input_tokens, reasoning_output_tokens, total_tokens, duplicate_of, result_fp, input_part_fps,
                  output_fp, effect, toString(start_time) AS start_time, toString(end_time) AS end_time,
                  span_attributes
           FROM {db:Identifier}.spans FINAL
           ORDER BY start_time, end_time, span_id
           SETTINGS output_format_json_quote_64bit_integers = 0`,
        );
        return { spans, runs, findings, report };
      } finally {
        await store.close();
      }
    },
    async close() {
      await Promise.all(providers.map((p) => p.close()));
      if (!stopped) await collector.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The spans that count tokens: LLM calls and embeddings. */
/** The spans that count tokens: llm and embedding calls, each provider call once. */
export const tokenSpans = (spans: readonly StoredSpan[]) =>
  spans.filter((s) => (s.kind === "llm" || s.kind === "embedding") && s.duplicate_of === "");

/** A compact view of a run's spans, to print when an assertion fails. */
export function describeSpans(spans: readonly StoredSpan[]): string {
  return spans
    .map(
      (s) =>
        `${s.run_id.slice(0, 8)} ${s.span_id.slice(0, 6)}<${s.parent_span_id.slice(0, 6) || "root  "} ${s.kind.padEnd(9)} ${s.span_name} [${s.scope_name}] model=${s.model} provider=${s.provider} tool=${s.tool_name} tokens=${s.input_tokens}/${s.output_tokens}${s.duplicate_of ? ` dup-of=${s.duplicate_of.slice(0, 6)}` : ""} cache=${s.cache_read_input_tokens}/${s.cache_creation_input_tokens} reasoning=${s.reasoning_output_tokens} wf=${s.workflow}`,
    )
    .join("\n");
}
