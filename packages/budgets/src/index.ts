export { type AlertOptions, type BudgetAlert, BudgetAlerts, signature } from "./alerts.ts";
export {
  BUDGET_STATES,
  type BudgetInput,
  type BudgetState,
  type BudgetStatus,
  type Budgets,
  budgetSchema,
  budgetStatuses,
  budgetStatusSchema,
  budgetsSchema,
  DEFAULT_SOFT_SHARE,
  deleteBudget,
  setBudget,
  stateOf,
} from "./budgets.ts";
export { formatBudgets } from "./format.ts";
export { Meter, type MeterResult } from "./meter.ts";
export { monthWindow, PERIODS, type Period, periodRange } from "./periods.ts";
