import type { CheckResult, CheckSettings, WorkflowCheck } from "./decide.ts";
import { formatShare } from "./share.ts";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const tps = (x: number | null) => (x === null ? "-" : integer.format(x));
const ratio = (x: number | null) => (x === null ? "-" : `${x.toFixed(2)}×`);
const interval = (w: WorkflowCheck) =>
  w.interval === null
    ? "-"
    : `${w.interval[0].toFixed(2)}–${Number.isFinite(w.interval[1]) ? w.interval[1].toFixed(2) : "∞"}`;
const rate = (w: WorkflowCheck) =>
  `${(w.baseline.successRate * 100).toFixed(0)}% → ${w.current.runs === 0 ? "-" : `${(w.current.successRate * 100).toFixed(0)}%`}`;
const VERDICTS = { pass: "PASS", warn: "WARN", fail: "FAIL" } as const;

/** "threshold +10%, 95% interval, at least 10 runs a side, seed 1": what the check decided with. */
export function formatSettings(settings: CheckSettings): string {
  return `threshold +${formatShare(settings.threshold)}, ${formatShare(settings.confidence)} interval, at least ${settings.minRuns} runs a side, seed ${settings.seed}`;
}

function summaryOf(result: CheckResult): string {
  if (result.problem !== null) return "Nothing was compared: the check fails.";
  return {
    pass: "No regression beyond noise.",
    warn: "Passed with warnings: see above.",
    fail: "Tokens per successful outcome regressed beyond noise.",
  }[result.verdict];
}

/** The decision as a table and sentences for people. */
export function formatCheck(result: CheckResult): string {
  const header = [
    "workflow",
    "baseline tok/success",
    "current tok/success",
    "ratio",
    "interval",
    "success rate",
    "verdict",
  ];
  const rows = result.workflows.map((w) => [
    w.workflow,
    tps(w.baseline.tokensPerSuccess),
    tps(w.current.tokensPerSuccess),
    ratio(w.ratio),
    interval(w),
    rate(w),
    VERDICTS[w.verdict],
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const reasons = [
    ...(result.problem === null ? [] : [result.problem]),
    ...result.workflows.flatMap((w) => w.reasons.map((r) => `${w.workflow}: ${r}`)),
  ];
  return [
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    ...reasons,
    ...(reasons.length > 0 ? [""] : []),
    `${summaryOf(result)} (${formatSettings(result.settings)})`,
  ].join("\n");
}

export interface ExplainingFinding {
  explanation: string;
  wastedTokens: number;
}

/**
 * Text as Markdown shows it safely: workflow names and explanations carry values agents chose
 * (tool names, arguments), which must not add links, images, HTML, lines or table cells to a
 * job summary. Code spans and emphasis are left alone: they cannot reach outside the text.
 */
export function markdownText(text: string): string {
  return text
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\[\]()!|<>&]/g, (c) =>
      c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : `\\${c}`,
    );
}

/** GitHub's job summary: the same decision as markdown, with the findings that explain it. */
export function formatCheckMarkdown(
  result: CheckResult,
  findings: ReadonlyMap<string, ExplainingFinding[]>,
): string {
  const lines = [
    `## leantrace: tokens per successful outcome — ${VERDICTS[result.verdict]}`,
    "",
    ...(result.problem === null ? [] : [`**${markdownText(result.problem)}**`, ""]),
    `${summaryOf(result)} Decided with ${formatSettings(result.settings)}.`,
    "",
    "| workflow | baseline | current | ratio | interval | success rate | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...result.workflows.map(
      (w) =>
        `| ${markdownText(w.workflow)} | ${tps(w.baseline.tokensPerSuccess)} | ${tps(w.current.tokensPerSuccess)} | ${ratio(w.ratio)} | ${interval(w)} | ${rate(w)} | ${VERDICTS[w.verdict]} |`,
    ),
    "",
  ];
  for (const w of result.workflows) {
    if (w.reasons.length === 0 && (findings.get(w.workflow) ?? []).length === 0) continue;
    lines.push(`### ${markdownText(w.workflow)}`, "", ...w.reasons.map((r) => `- ${markdownText(r)}`));
    const top = findings.get(w.workflow) ?? [];
    if (top.length > 0) {
      lines.push("", "Where the current runs wasted tokens:", "");
      for (const f of top) lines.push(`- ${markdownText(f.explanation)}`);
    }
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}
