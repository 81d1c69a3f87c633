// Budgets per team and period, and where each stands: usage in the current period against its
// soft and hard limits. Usage comes from the metered table (see meter.ts), never a scan of the
// spans per question.
import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";
import { PERIODS, type Period, periodRange } from "./periods.ts";

export const BUDGET_STATES = ["ok", "soft_exceeded", "hard_exceeded"] as const;
export type BudgetState = (typeof BUDGET_STATES)[number];

/** The share of a limit past which a budget is soft-exceeded, when none is given. */
export const DEFAULT_SOFT_SHARE = 0.8;

export const budgetSchema = z
  .object({
    /** The team: `leantrace.team` on the spans, else the project. */
    team: z.string().min(1).max(256),
    period: z.enum(PERIODS),
    limitTokens: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    /** US dollars. */
    limitCost: z.number().positive().finite().nullable().optional(),
    /** The share of each limit that is the soft limit. @default 0.8 */
    soft: z.number().gt(0).max(1).optional(),
  })
  .refine((b) => b.limitTokens != null || b.limitCost != null, {
    message: "give limitTokens, limitCost or both",
  });
export type BudgetInput = z.infer<typeof budgetSchema>;

export const budgetStatusSchema = z.object({
  team: z.string(),
  period: z.enum(PERIODS),
  /** The current period's first and last UTC day. */
  periodStart: z.string(),
  periodEnd: z.string(),
  limitTokens: z.number().nullable(),
  usedTokens: z.number(),
  limitCost: z.number().nullable(),
  usedCost: z.number(),
  soft: z.number(),
  state: z.enum(BUDGET_STATES),
});
export const budgetsSchema = z.object({ budgets: z.array(budgetStatusSchema) });
export type BudgetStatus = z.infer<typeof budgetStatusSchema>;
export type Budgets = z.infer<typeof budgetsSchema>;

const loadSql = sqlFiles(new URL("../sql/", import.meta.url));
const BUDGETS_SQL = loadSql("budgets");
const USAGE_OF_PERIOD_SQL = loadSql("usage-of-period");

const SET_BUDGET = `INSERT INTO {db:Identifier}.budgets (project, team, period, limit_tokens, limit_cost, soft, deleted, updated_at)
VALUES ({project:String}, {team:String}, {period:String}, {limit_tokens:Nullable(UInt64)}, {limit_cost:Nullable(Float64)}, {soft:Float64}, {deleted:UInt8}, now64(3))`;

export async function setBudget(store: Store, project: string, budget: BudgetInput): Promise<void> {
  await store.command(SET_BUDGET, {
    project,
    team: budget.team,
    period: budget.period,
    limit_tokens: budget.limitTokens ?? null,
    limit_cost: budget.limitCost ?? null,
    soft: budget.soft ?? DEFAULT_SOFT_SHARE,
    deleted: 0,
  });
}

export async function deleteBudget(
  store: Store,
  project: string,
  team: string,
  period: Period,
): Promise<void> {
  await store.command(SET_BUDGET, {
    project,
    team,
    period,
    limit_tokens: null,
    limit_cost: null,
    soft: 0,
    deleted: 1,
  });
}

/** Where usage stands against one limit: hard at or past it, soft at or past its share. */
export function stateOf(
  used: { tokens: number; cost: number },
  limits: { tokens: number | null; cost: number | null; soft: number },
): BudgetState {
  const shares = [
    limits.tokens === null ? 0 : used.tokens / limits.tokens,
    limits.cost === null ? 0 : used.cost / limits.cost,
  ];
  const share = Math.max(...shares);
  if (share >= 1) return "hard_exceeded";
  if (share >= limits.soft) return "soft_exceeded";
  return "ok";
}

const budgetRowSchema = z.object({
  team: z.string(),
  period: z.enum(PERIODS),
  limitTokens: z.coerce.number().nullable(),
  limitCost: z.number().nullable(),
  soft: z.number(),
});
const usageRowSchema = z.object({ team: z.string(), tokens: z.coerce.number(), cost: z.number() });

/** Every budget of the project with its usage in the period holding `now`. */
export async function budgetStatuses(
  store: Store,
  project: string,
  now: number = Date.now(),
): Promise<Budgets> {
  const budgets = z.array(budgetRowSchema).parse(await store.select(BUDGETS_SQL, { project }));
  const usage = new Map<string, Map<string, { tokens: number; cost: number }>>();
  const usageIn = async (period: Period) => {
    const { start, end } = periodRange(period, now);
    const key = `${start}/${end}`;
    let byTeam = usage.get(key);
    if (byTeam === undefined) {
      const rows = z
        .array(usageRowSchema)
        .parse(await store.select(USAGE_OF_PERIOD_SQL, { project, start, end }));
      byTeam = new Map(rows.map((r) => [r.team, { tokens: r.tokens, cost: r.cost }]));
      usage.set(key, byTeam);
    }
    return { start, end, byTeam };
  };
  const statuses: BudgetStatus[] = [];
  for (const budget of budgets) {
    const { start, end, byTeam } = await usageIn(budget.period);
    const used = byTeam.get(budget.team) ?? { tokens: 0, cost: 0 };
    statuses.push({
      team: budget.team,
      period: budget.period,
      periodStart: start,
      periodEnd: end,
      limitTokens: budget.limitTokens,
      usedTokens: used.tokens,
      limitCost: budget.limitCost,
      usedCost: used.cost,
      soft: budget.soft,
      state: stateOf(used, { tokens: budget.limitTokens, cost: budget.limitCost, soft: budget.soft }),
    });
  }
  return { budgets: statuses };
}
