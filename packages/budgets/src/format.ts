import { formatCount, formatDollars, formatPercent, formatTable } from "@leantrace/reports";
import type { Budgets } from "./budgets.ts";

const STATE_TEXT = {
  ok: "ok",
  soft_exceeded: "SOFT LIMIT PASSED",
  hard_exceeded: "HARD LIMIT PASSED",
} as const;

/** Budgets as a table a person reads: used of limit, the share, and the state. */
export function formatBudgets(budgets: Budgets): string {
  if (budgets.budgets.length === 0) {
    return "No budgets. Set one: leantrace budgets set --team NAME --monthly-tokens N";
  }
  const rows = budgets.budgets.map((b) => [
    b.team,
    `${b.period} ${b.periodStart}${b.periodStart === b.periodEnd ? "" : `..${b.periodEnd}`}`,
    b.limitTokens === null
      ? "-"
      : `${formatCount(b.usedTokens)} of ${formatCount(b.limitTokens)} (${formatPercent(b.usedTokens / b.limitTokens)})`,
    b.limitCost === null
      ? "-"
      : `${formatDollars(b.usedCost)} of ${formatDollars(b.limitCost)} (${formatPercent(b.usedCost / b.limitCost)})`,
    `${Math.round(b.soft * 100)}%`,
    STATE_TEXT[b.state],
  ]);
  return formatTable(["team", "period (UTC)", "tokens", "cost", "soft", "state"], rows, [0, 1, 5]);
}
