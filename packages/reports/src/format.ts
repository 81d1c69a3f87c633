import type { Findings } from "./findings.ts";
import type { WorkflowReport } from "./workflow-report.ts";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function count(value: number | null): string {
  return value === null ? "-" : integer.format(value);
}

function dollars(value: number | null): string {
  if (value === null) return "-";
  return `$${value < 1 ? value.toFixed(4) : value.toFixed(2)}`;
}

function percent(value: number | null): string {
  return value === null ? "-" : `${(value * 100).toFixed(1)}%`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The report as tables for people; `--json` prints the report object instead. */
export function formatWorkflowReport(report: WorkflowReport): string {
  if (report.workflows.length === 0) return "No runs recorded yet.";
  const overview = table(
    [
      "workflow",
      "runs",
      "successes",
      "failures",
      "total tokens",
      "tokens/success",
      "wasted",
      "cost/success",
      "findings",
    ],
    report.workflows.map((w) => [
      w.workflow,
      count(w.runs),
      count(w.successes),
      count(w.failures),
      count(w.totalTokens),
      count(w.tokensPerSuccess),
      `${count(w.wastedTokens)} (${percent(w.wastedShare)})`,
      dollars(w.costPerSuccess),
      `${w.findings.loop} loop, ${w.findings.repeated_retrieval} retrieval, ${w.findings.extraneous} extraneous`,
    ]),
  );
  const versions = report.workflows.flatMap((w) =>
    w.versions.length < 2
      ? []
      : w.versions.map((v) => [
          w.workflow,
          v.version || "(none)",
          count(v.runs),
          count(v.successes),
          count(v.tokensPerSuccess),
          `${count(v.wastedTokens)} (${percent(v.wastedShare)})`,
          dollars(v.costPerSuccess),
        ]),
  );
  const unanalysed = report.workflows.filter((w) => w.analyzedRuns < w.runs);
  const notes = unanalysed.map(
    (w) =>
      `${w.workflow}: ${w.runs - w.analyzedRuns} of ${w.runs} runs not analysed yet (run \`leantrace analyze\`)`,
  );
  return [
    overview,
    versions.length === 0
      ? ""
      : `\nBy version:\n${table(["workflow", "version", "runs", "successes", "tokens/success", "wasted", "cost/success"], versions)}`,
    notes.length === 0 ? "" : `\n${notes.join("\n")}`,
  ]
    .filter((part) => part !== "")
    .join("\n");
}

/** Findings as lines a person can act on. */
export function formatFindings(findings: Findings): string {
  if (findings.findings.length === 0) return "No findings.";
  return findings.findings
    .map(
      (f) =>
        `${f.workflow}  run ${f.runId}  ${f.kind}/${f.pattern}${f.confidence === "suggestion" ? " (suggestion)" : ""}  ` +
        `${count(f.wastedTokens)} tokens${f.wastedCost === null ? "" : `, ${dollars(f.wastedCost)}`}\n  ${f.explanation}`,
    )
    .join("\n");
}
