import type { Findings, FindingsSummary } from "./findings.ts";
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
      "carried",
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
      `${count(w.carriedTokens)} (${percent(w.carriedShare)})${w.carriedEstimated ? "*" : ""}`,
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
      : `\nBy version:\n${table(["workflow", "version", "runs", "successes", "tokens/success", "wasted", "cost/success"], versions)}`,
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
        : `, ${count(f.carriedTokens)} carried${f.carriedEstimated ? " (estimated)" : ""}`;
    const cost = f.wastedCost === null ? "" : `, ${dollars(f.wastedCost)}`;
    return (
      `${f.workflow}  run ${f.runId}  ${f.kind}/${f.pattern}${f.confidence === "suggestion" ? " (suggestion, not counted)" : ""}  ` +
      `${count(f.wastedTokens)} tokens${cost}${carried}\n  ${f.explanation}\n  wasted spans: ${f.wastedSpanIds.join(" ")}`
    );
  });
  if (findings.nextCursor !== null) lines.push(`More findings: add --cursor ${findings.nextCursor}`);
  return lines.join("\n");
}

/** Findings per pattern: how many, in how many runs, the tokens they name. */
export function formatFindingsSummary(summary: FindingsSummary): string {
  if (summary.patterns.length === 0) return "No findings.";
  return [
    table(
      ["pattern", "confidence", "findings", "runs", "wasted tokens", "carried tokens"],
      summary.patterns.map((p) => [
        `${p.kind}/${p.pattern}`,
        p.confidence === "suggestion" ? "suggestion (not counted)" : p.confidence,
        count(p.findings),
        count(p.runs),
        count(p.wastedTokens),
        count(p.carriedTokens),
      ]),
    ),
    "A span named by findings of two patterns counts in both rows; the report counts it once.",
  ].join("\n");
}
