// Measures the analyzers on real agent runs: replays each corpus through the SDK into a real
// collector (once with content capture on, once with fingerprints only), analyses, and prints per
// corpus and pattern the findings, the wasted and carried tokens, and the agreement with the
// human labels where a corpus has them. docs/analyzer-accuracy.md records the figures.
//
//   npx -y pnpm@10 exec tsx examples/real-corpora/measure.ts --corpora ../shared/corpora \
//     [--mode content|fingerprints ...] [--corpus NAME ...] [--out results.json] [--samples samples.json]
//     [--keep]   (keeps each mode's data directory, to query with SQL afterwards)
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Finding, findingsSchema, type WorkflowReport, workflowReportSchema } from "@leantrace/reports";
import { spawnCollector, storeFlags } from "@leantrace/testing";
import { HOTPOTQA, loadHotpotqa, loadHotpotqaLabels } from "./corpora/hotpotqa.ts";
import { CORPORA } from "./corpora/index.ts";
import { loadTauRetailLabels, TAU_RETAIL } from "./corpora/tau-retail.ts";
import type { SpanSources } from "./replay.ts";

const MODES = { content: "on", fingerprints: "off" } as const;
type Mode = keyof typeof MODES;

const { values } = parseArgs({
  options: {
    corpora: { type: "string" },
    mode: { type: "string", multiple: true },
    corpus: { type: "string", multiple: true },
    out: { type: "string" },
    samples: { type: "string" },
    keep: { type: "boolean" },
  },
});
if (!values.corpora) {
  console.error(
    "usage: measure.ts --corpora DIR [--mode content|fingerprints] [--corpus NAME] [--out FILE] [--samples FILE]",
  );
  process.exit(2);
}
const corporaDir = values.corpora;
const modes = (values.mode ?? ["content", "fingerprints"]) as Mode[];
const root = fileURLToPath(new URL("../../", import.meta.url));

async function api<T>(url: string, schema: { parse: (v: unknown) => T }, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  const body: unknown = await response.json();
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${JSON.stringify(body)}`);
  return schema.parse(body);
}

async function allFindings(base: string): Promise<Finding[]> {
  const all: Finding[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? "" : `&cursor=${cursor}`;
    const page = await api(`${base}/api/v1/findings?limit=1000${query}`, findingsSchema);
    all.push(...page.findings);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

interface ModeResult {
  report: WorkflowReport;
  findings: Finding[];
  sources: SpanSources;
}

async function runMode(mode: Mode): Promise<ModeResult> {
  const dir = await mkdtemp(join(tmpdir(), `leantrace-corpora-${mode}-`));
  const collector = await spawnCollector([
    ...storeFlags(dir),
    "--analyze-interval-seconds",
    "0",
    // Captured conversations are large: a batch of spans can pass the default 16 MiB.
    "--max-body-bytes",
    String(1024 ** 3),
  ]);
  try {
    const sourcesFile = join(dir, "sources.json");
    execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        join(root, "examples/real-corpora/send.ts"),
        "--endpoint",
        collector.url,
        "--corpora",
        corporaDir,
        "--capture",
        MODES[mode],
        "--sources",
        sourcesFile,
        ...(values.corpus ?? []).flatMap((c) => ["--corpus", c]),
      ],
      { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
    );
    const pass = await fetch(`${collector.url}/api/v1/analyze`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ full: true }),
    });
    const passText = await pass.text();
    if (!pass.ok) throw new Error(`the analysis failed (${pass.status}): ${passText}\n${collector.output()}`);
    console.log(`[${mode}] analysis: ${passText}`);
    const report = await api(`${collector.url}/api/v1/report`, workflowReportSchema);
    const findings = await allFindings(collector.url);
    const sources = JSON.parse(await readFile(sourcesFile, "utf8")) as SpanSources;
    return { report, findings, sources };
  } finally {
    await collector.stop();
    if (values.keep) console.log(`[${mode}] data kept in ${join(dir, "data")}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

const integer = new Intl.NumberFormat("en-US");
const pct = (n: number, d: number) => (d === 0 ? "-" : `${((100 * n) / d).toFixed(2)}%`);

interface PatternFigures {
  certain: number;
  suggestions: number;
  runs: Set<string>;
  wasted: number;
  carried: number;
}

function byPattern(findings: readonly Finding[], workflow: string): Map<string, PatternFigures> {
  const table = new Map<string, PatternFigures>();
  for (const f of findings.filter((x) => x.workflow === workflow)) {
    const key = `${f.kind}/${f.pattern}`;
    const row = table.get(key) ?? { certain: 0, suggestions: 0, runs: new Set(), wasted: 0, carried: 0 };
    if (f.confidence === "certain") {
      row.certain++;
      row.wasted += f.wastedTokens;
      row.carried += f.carriedTokens;
    } else row.suggestions++;
    row.runs.add(f.runId);
    table.set(key, row);
  }
  return table;
}

/** HotpotQA: each search step's human label against whether a certain finding wasted it. */
async function hotpotAgreement(result: ModeResult): Promise<string> {
  const labels = await loadHotpotqaLabels(join(corporaDir, "agentprocessbench-hotpotqa-dev"));
  const wasted = new Set<string>();
  for (const f of result.findings) {
    if (f.workflow !== HOTPOTQA || f.confidence !== "certain" || f.kind !== "repeated_retrieval") continue;
    // spanIds: [earlier, repeat, choosers...]: the repeat is the step judged.
    const repeat = f.spanIds[1];
    const message = repeat === undefined ? undefined : result.sources[f.runId]?.[repeat];
    if (message !== undefined) wasted.add(`${f.runId}#${message}`);
  }
  // Only the steps that searched: the others (answers, reasoning) are not retrievals to judge.
  const searches = new Map(
    (await loadHotpotqa(join(corporaDir, "agentprocessbench-hotpotqa-dev"))).map((run) => [
      run.runId,
      new Set(run.steps.filter((s) => s.type === "retrieval").map((s) => s.source)),
    ]),
  );
  const counts = new Map<string, number>();
  for (const [runId, steps] of labels) {
    const searched = searches.get(runId) ?? new Set<number>();
    for (const [message, label] of steps) {
      if (!searched.has(message)) continue;
      const key = `${wasted.has(`${runId}#${message}`) ? "flagged" : "passed"} ${label}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const row = (what: string) =>
    [1, 0, -1].map((label) => String(counts.get(`${what} ${label}`) ?? 0)).join(" | ");
  return [
    "| search steps | helpful (1) | neutral (0) | harmful (-1) |",
    "| --- | --- | --- | --- |",
    `| flagged as repeated retrieval | ${row("flagged")} |`,
    `| not flagged | ${row("passed")} |`,
  ].join("\n");
}

/** tau-bench retail: the labelled failure steps of the 24 labelled runs, against the findings there. */
async function retailAgreement(result: ModeResult): Promise<string> {
  const labels = await loadTauRetailLabels(join(corporaDir, "agentrx-tau-retail"));
  const labelled = new Set(labels.map((l) => l.runId));
  const flaggedSteps = new Map<string, Finding[]>();
  for (const f of result.findings) {
    if (f.workflow !== TAU_RETAIL || !labelled.has(f.runId)) continue;
    for (const id of f.wastedSpanIds) {
      const message = result.sources[f.runId]?.[id];
      if (message === undefined) continue;
      const key = `${f.runId}#${message}`;
      flaggedSteps.set(key, [...(flaggedSteps.get(key) ?? []), f]);
    }
  }
  const lines = ["| run | step | category | found by | reason |", "| --- | --- | --- | --- | --- |"];
  for (const l of labels) {
    const found = flaggedSteps.get(`${l.runId}#${l.step - 1}`) ?? [];
    lines.push(
      `| ${l.runId} | ${l.step} | ${l.category} | ${found.map((f) => `${f.pattern} (${f.confidence})`).join(", ") || "-"} | ${l.reason.slice(0, 90)} |`,
    );
  }
  const inLabelled = result.findings.filter((f) => f.workflow === TAU_RETAIL && labelled.has(f.runId));
  lines.push("", `Findings in the labelled runs: ${inLabelled.length}`);
  for (const f of inLabelled) lines.push(`- ${f.runId} ${f.pattern} (${f.confidence}): ${f.explanation}`);
  return lines.join("\n");
}

const output: Record<string, unknown> = {};
const samples: Record<string, unknown> = {};
for (const mode of modes) {
  const result = await runMode(mode);
  const lines = [`## Mode: ${mode} (content capture ${MODES[mode]})`, ""];
  for (const corpus of CORPORA) {
    const workflow = result.report.workflows.find((w) => w.workflow === corpus.name);
    if (!workflow) continue;
    lines.push(
      `### ${corpus.name}: ${workflow.runs} runs, ${workflow.successes} successful, ${integer.format(workflow.totalTokens)} tokens${corpus.estimatedTokens ? " (estimated: characters / 4)" : ""}`,
      "",
      `wasted ${integer.format(workflow.wastedTokens)} (${pct(workflow.wastedTokens, workflow.totalTokens)}), carried ${integer.format(workflow.carriedTokens)} (${pct(workflow.carriedTokens, workflow.totalTokens)})${workflow.carriedEstimated ? ", carried partly estimated" : ""}`,
      "",
      "| pattern | certain | suggestions | runs | wasted tokens | share | carried tokens |",
      "| --- | --- | --- | --- | --- | --- | --- |",
    );
    const table = byPattern(result.findings, corpus.name);
    for (const [pattern, row] of [...table].sort((a, b) => b[1].wasted - a[1].wasted)) {
      lines.push(
        `| ${pattern} | ${row.certain} | ${row.suggestions} | ${row.runs.size} | ${integer.format(row.wasted)} | ${pct(row.wasted, workflow.totalTokens)} | ${integer.format(row.carried)} |`,
      );
    }
    lines.push("");
  }
  if (result.report.workflows.some((w) => w.workflow === HOTPOTQA)) {
    lines.push("### hotpotqa-search: human step labels", "", await hotpotAgreement(result), "");
  }
  if (result.report.workflows.some((w) => w.workflow === TAU_RETAIL)) {
    lines.push("### tau-retail: human failure labels", "", await retailAgreement(result), "");
  }
  console.log(lines.join("\n"));
  output[mode] = { report: result.report, findings: result.findings.length };
  samples[mode] = result.findings.map((f) => ({
    runId: f.runId,
    workflow: f.workflow,
    pattern: `${f.kind}/${f.pattern}`,
    confidence: f.confidence,
    wastedTokens: f.wastedTokens,
    carriedTokens: f.carriedTokens,
    messages: f.spanIds.map((id) => result.sources[f.runId]?.[id]),
    wastedMessages: f.wastedSpanIds.map((id) => result.sources[f.runId]?.[id]),
    explanation: f.explanation,
  }));
}
if (values.out) await writeFile(values.out, JSON.stringify(output, null, 2));
if (values.samples) await writeFile(values.samples, JSON.stringify(samples, null, 2));
