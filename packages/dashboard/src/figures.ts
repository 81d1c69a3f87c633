// How the pages show numbers: the CLI's formats (one definition), and the totals a page sums.
import { isStepKind, STEP_KINDS } from "@leantrace/conventions";
import { formatCount, formatDollars, formatPercent, type WorkflowReport } from "@leantrace/reports";

export { formatCount as count, formatDollars as dollars, formatPercent as percent };

export const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

export interface Totals {
  runs: number;
  successes: number;
  failures: number;
  totalTokens: number;
  wastedTokens: number;
  totalCost: number | null;
  tokensPerSuccess: number | null;
  costPerSuccess: number | null;
  successRate: number | null;
  wastedShare: number | null;
}

/** The workflows' figures summed: tokens per success is all tokens over all successes. */
export function totalsOf(workflows: WorkflowReport["workflows"]): Totals {
  const sum = (pick: (w: WorkflowReport["workflows"][number]) => number) =>
    workflows.reduce((total, w) => total + pick(w), 0);
  const runs = sum((w) => w.runs);
  const successes = sum((w) => w.successes);
  const totalTokens = sum((w) => w.totalTokens);
  const wastedTokens = sum((w) => w.wastedTokens);
  const priced = workflows.filter((w) => w.totalCost !== null);
  const totalCost = priced.length === 0 ? null : priced.reduce((t, w) => t + (w.totalCost ?? 0), 0);
  return {
    runs,
    successes,
    failures: sum((w) => w.failures),
    totalTokens,
    wastedTokens,
    totalCost,
    tokensPerSuccess: successes === 0 ? null : totalTokens / successes,
    costPerSuccess: successes === 0 || totalCost === null ? null : totalCost / successes,
    successRate: ratio(successes, runs),
    wastedShare: ratio(wastedTokens, totalTokens),
  };
}

/** A run id short enough for a table cell; the link carries the whole id. */
export const shortId = (id: string) => (id.length > 14 ? `${id.slice(0, 12)}…` : id);

/** A step kind's colour class, shared by the waterfall, the legend and the charts. */
export const KIND_CLASSES: readonly string[] = STEP_KINDS;
export const kindClass = (kind: string) => `kind-${isStepKind(kind) ? kind : "other"}`;
