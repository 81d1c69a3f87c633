import type { WorkflowReport } from "./workflow-report.ts";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function cell(value: number | null): string {
  return value === null ? "-" : integer.format(value);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The report as a table for people; `--json` prints the report object instead. */
export function formatWorkflowReport(report: WorkflowReport): string {
  if (report.workflows.length === 0) return "No runs recorded yet.";
  return table(
    ["workflow", "runs", "successes", "failures", "total tokens", "tokens/success"],
    report.workflows.map((w) => [
      w.workflow,
      cell(w.runs),
      cell(w.successes),
      cell(w.failures),
      cell(w.totalTokens),
      cell(w.tokensPerSuccess),
    ]),
  );
}
