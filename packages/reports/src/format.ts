import type { BreakdownReport } from "./breakdown.ts";
import { toCsv } from "./csv.ts";
import type { Findings, FindingsSummary } from "./findings.ts";
import type { WorkflowReport } from "./workflow-report.ts";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatCount(value: number | null): string {
  return value === null ? "-" : integer.format(value);
}

export function formatDollars(value: number | null): string {
  if (value === null) return "-";
  return `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
}

export function formatPercent(value: number | null): string {
  return value === null ? "-" : `${(value * 100).toFixed(1)}%`;
}

/**
 * Rows aligned under a header: by default the first column left, the others right (figures);
 * `textColumns` names the columns of text, aligned left.
 */
export function formatTable(
  header: string[],
  rows: string[][],
  textColumns: readonly number[] = [0],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (textColumns.includes(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The report as tables for people; `--json` prints the report object instead. */
export function formatWorkflowReport(report: WorkflowReport): string {
  if (report.workflows.length === 0) return "No runs recorded yet.";
  const overview = formatTable(
    [
      "workflow",
      "runs",
      "successes",
      "failures",
      "total tokens",
      "tokens/success",
      "wasted",
      "carried",
      "cost/success",
      "findings",
    ],
    report.workflows.map((w) => [
      w.workflow,
      formatCount(w.runs),
      formatCount(w.successes),
      formatCount(w.failures),
      formatCount(w.totalTokens),
      formatCount(w.tokensPerSuccess),
      `${formatCount(w.wastedTokens)} (${formatPercent(w.wastedShare)})`,
      `${formatCount(w.carriedTokens)} (${formatPercent(w.carriedShare)})${w.carriedEstimated ? "*" : ""}`,
      formatDollars(w.costPerSuccess),
      `${w.findings.loop} loop, ${w.findings.repeated_retrieval} retrieval, ${w.findings.extraneous} extraneous`,
    ]),
  );
  const versions = report.workflows.flatMap((w) =>
    w.versions.length < 2
      ? []
      : w.versions.map((v) => [
          w.workflow,
          v.version || "(none)",
          formatCount(v.runs),
          formatCount(v.successes),
          formatCount(v.tokensPerSuccess),
          `${formatCount(v.wastedTokens)} (${formatPercent(v.wastedShare)})`,
          formatDollars(v.costPerSuccess),
        ]),
  );
  const unanalyzed = report.workflows.filter((w) => w.analyzedRuns < w.runs);
  const notes = [
    "wasted: tokens of steps that added nothing (counted once); carried: what later LLM calls paid to carry them in their prompts.",
    ...(report.workflows.some((w) => w.carriedEstimated)
      ? [
          "* some runs record no per-message input fingerprints: their carried tokens assume the whole history is resent.",
        ]
      : []),
    ...unanalyzed.map(
      (w) =>
        `${w.workflow}: ${w.runs - w.analyzedRuns} of ${w.runs} runs not analyzed yet (run \`leantrace analyze\`)`,
    ),
  ];
  return [
    overview,
    versions.length === 0
      ? ""
      : `\nBy version:\n${formatTable(["workflow", "version", "runs", "successes", "tokens/success", "wasted", "cost/success"], versions)}`,
    notes.length === 0 ? "" : `\n${notes.join("\n")}`,
  ]
    .filter((part) => part !== "")
    .join("\n");
}

/** Findings as lines a person can act on. */
export function formatFindings(findings: Findings): string {
  if (findings.findings.length === 0) return "No findings.";
  const lines = findings.findings.map((f) => {
    const carried =
      f.carriedTokens === 0
        ? ""
        : `, ${formatCount(f.carriedTokens)} carried${f.carriedEstimated ? " (estimated)" : ""}`;
    const cost = f.wastedCost === null ? "" : `, ${formatDollars(f.wastedCost)}`;
    return (
      `${f.workflow}  run ${f.runId}  ${f.kind}/${f.pattern}${f.confidence === "suggestion" ? " (suggestion, not counted)" : ""}  ` +
      `${formatCount(f.wastedTokens)} tokens${cost}${carried}\n  ${f.explanation}\n  wasted spans: ${f.wastedSpanIds.join(" ")}`
    );
  });
  if (findings.nextCursor !== null) lines.push(`More findings: add --cursor ${findings.nextCursor}`);
  return lines.join("\n");
}

/** Findings per pattern: how many, in how many runs, the tokens they name. */
export function formatFindingsSummary(summary: FindingsSummary): string {
  if (summary.patterns.length === 0) return "No findings.";
  return [
    formatTable(
      ["pattern", "confidence", "findings", "runs", "wasted tokens", "carried tokens"],
      summary.patterns.map((p) => [
        `${p.kind}/${p.pattern}`,
        p.confidence === "suggestion" ? "suggestion (not counted)" : p.confidence,
        formatCount(p.findings),
        formatCount(p.runs),
        formatCount(p.wastedTokens),
        formatCount(p.carriedTokens),
      ]),
    ),
    "A span named by findings of two patterns counts in both rows; the report counts it once.",
  ].join("\n");
}

/** The workflows as CSV, one row each, figures unformatted. */
export function workflowReportCsv(report: WorkflowReport): string {
  return toCsv(
    [
      "workflow",
      "runs",
      "successes",
      "failures",
      "totalTokens",
      "tokensPerSuccess",
      "wastedTokens",
      "wastedShare",
      "carriedTokens",
      "totalCost",
      "costPerSuccess",
      "loopFindings",
      "repeatedRetrievalFindings",
      "extraneousFindings",
      "analyzedRuns",
    ],
    report.workflows.map((w) => [
      w.workflow,
      w.runs,
      w.successes,
      w.failures,
      w.totalTokens,
      w.tokensPerSuccess,
      w.wastedTokens,
      w.wastedShare,
      w.carriedTokens,
      w.totalCost,
      w.costPerSuccess,
      w.findings.loop,
      w.findings.repeated_retrieval,
      w.findings.extraneous,
      w.analyzedRuns,
    ]),
  );
}

const BREAKDOWN_HEADER = ["runs", "successes", "total tokens", "tokens/success", "wasted", "cost"];

/** A breakdown as a table: one row per model, kind, version, team or case. */
export function formatBreakdown(report: BreakdownReport): string {
  if (report.rows.length === 0) return "No runs in this window.";
  const total = report.rows.reduce((sum, r) => sum + r.totalTokens, 0);
  return formatTable(
    [report.by, ...BREAKDOWN_HEADER, "share"],
    report.rows.map((r) => [
      r.key || "(none)",
      formatCount(r.runs),
      formatCount(r.successes),
      formatCount(r.totalTokens),
      formatCount(r.tokensPerSuccess),
      formatCount(r.wastedTokens),
      formatDollars(r.totalCost),
      formatPercent(total === 0 ? null : r.totalTokens / total),
    ]),
  );
}

export function breakdownCsv(report: BreakdownReport): string {
  return toCsv(
    [report.by, "runs", "successes", "totalTokens", "tokensPerSuccess", "wastedTokens", "totalCost"],
    report.rows.map((r) => [
      r.key,
      r.runs,
      r.successes,
      r.totalTokens,
      r.tokensPerSuccess,
      r.wastedTokens,
      r.totalCost,
    ]),
  );
}

export function findingsCsv(findings: Findings): string {
  return toCsv(
    [
      "id",
      "runId",
      "workflow",
      "version",
      "kind",
      "pattern",
      "confidence",
      "wastedTokens",
      "wastedCost",
      "carriedTokens",
      "wastedSpanIds",
      "explanation",
    ],
    findings.findings.map((f) => [
      f.id,
      f.runId,
      f.workflow,
      f.version,
      f.kind,
      f.pattern,
      f.confidence,
      f.wastedTokens,
      f.wastedCost,
      f.carriedTokens,
      f.wastedSpanIds.join(" "),
      f.explanation,
    ]),
  );
}

export function findingsSummaryCsv(summary: FindingsSummary): string {
  return toCsv(
    ["kind", "pattern", "confidence", "findings", "runs", "wastedTokens", "carriedTokens"],
    summary.patterns.map((p) => [
      p.kind,
      p.pattern,
      p.confidence,
      p.findings,
      p.runs,
      p.wastedTokens,
      p.carriedTokens,
    ]),
  );
}

/** Chargeback: what each group paid for, what it got, and what it wasted. */
export function formatUsage(report: BreakdownReport & { month: string }): string {
  if (report.rows.length === 0) return `No usage in ${report.month}.`;
  const total = (pick: (r: BreakdownReport["rows"][number]) => number | null) =>
    report.rows.reduce((sum, r) => sum + (pick(r) ?? 0), 0);
  const rows = report.rows.map((r) => [
    r.key || "(none)",
    formatCount(r.totalTokens),
    formatDollars(r.totalCost),
    formatCount(r.runs),
    formatCount(r.successes),
    formatCount(r.tokensPerSuccess),
    formatCount(r.wastedTokens),
    formatDollars(r.wastedCost),
  ]);
  rows.push([
    "total",
    formatCount(total((r) => r.totalTokens)),
    formatDollars(total((r) => r.totalCost)),
    "",
    "",
    "",
    formatCount(total((r) => r.wastedTokens)),
    formatDollars(total((r) => r.wastedCost)),
  ]);
  return [
    `Usage in ${report.month} (UTC), by ${report.by}:`,
    formatTable(
      [report.by, "tokens", "cost", "runs", "successes", "tokens/success", "wasted", "wasted cost"],
      rows,
    ),
  ].join("\n");
}

export function usageCsv(report: BreakdownReport & { month: string }): string {
  return toCsv(
    [
      "month",
      report.by,
      "tokens",
      "cost",
      "runs",
      "successes",
      "tokensPerSuccess",
      "wastedTokens",
      "wastedCost",
    ],
    report.rows.map((r) => [
      report.month,
      r.key,
      r.totalTokens,
      r.totalCost,
      r.runs,
      r.successes,
      r.tokensPerSuccess,
      r.wastedTokens,
      r.wastedCost,
    ]),
  );
}
