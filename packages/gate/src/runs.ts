/**
 * One run as the gate sees it: what it cost and how it ended. Validated where it enters (the
 * run-totals API, `@leantrace/reports`); the gate only computes on it.
 */
export interface RunTotal {
  runId: string;
  workflow: string;
  /** success, failure, partial or unknown. */
  outcome: string;
  /** The evaluation case; "" when the run did not say. */
  caseId: string;
  tokens: number;
  /** US dollars; null when no step had a known price. */
  cost: number | null;
  version: string;
  ciRunId: string;
}

export interface Figures {
  runs: number;
  successes: number;
  successRate: number;
  tokens: number;
  /** All tokens divided by successful runs; null when none succeeded. */
  tokensPerSuccess: number | null;
  costPerSuccess: number | null;
}

export function figuresOf(runs: readonly Pick<RunTotal, "outcome" | "tokens" | "cost">[]): Figures {
  const successes = runs.filter((r) => r.outcome === "success").length;
  const tokens = runs.reduce((sum, r) => sum + r.tokens, 0);
  const priced = runs.filter((r) => r.cost !== null);
  const cost = priced.reduce((sum, r) => sum + (r.cost ?? 0), 0);
  return {
    runs: runs.length,
    successes,
    successRate: runs.length === 0 ? 0 : successes / runs.length,
    tokens,
    tokensPerSuccess: successes === 0 ? null : tokens / successes,
    costPerSuccess: successes === 0 || priced.length === 0 ? null : cost / successes,
  };
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item)) ?? [];
    group.push(item);
    groups.set(key(item), group);
  }
  return groups;
}

export function byWorkflow<T extends { workflow: string }>(runs: readonly T[]): Map<string, T[]> {
  return groupBy(runs, (r) => r.workflow);
}
