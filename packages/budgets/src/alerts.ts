// Budget alerts: when a team passes its soft or its hard limit, a webhook says so, once per
// budget, period and level (the alerts sent are recorded, so a restart does not send them
// again). Each POST is signed: `x-leantrace-signature: sha256=HMAC(secret, timestamp + "." +
// body)` with `x-leantrace-timestamp`, so the receiver can check it came from this collector and
// is not a replay. Delivery is retried with backoff; after the last attempt the alert is
// recorded as not delivered and logged, never retried forever.
import { createHmac } from "node:crypto";
import type { Store } from "@leantrace/storage";
import { z } from "zod";
import { type BudgetStatus, budgetStatuses } from "./budgets.ts";

export interface AlertOptions {
  url: string;
  /** HMAC key; without one the body is sent unsigned. */
  secret?: string;
  attempts?: number;
  timeoutMillis?: number;
  /** Backoff before attempt n+1: base × 2^n. */
  backoffMillis?: number;
  warn?: (message: string) => void;
}

export interface BudgetAlert {
  type: "leantrace.budget";
  level: "soft" | "hard";
  project: string;
  budget: BudgetStatus;
  at: string;
}

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

const SENT_SQL = `SELECT team, period, level FROM {db:Identifier}.budget_alerts FINAL
WHERE project = {project:String} AND period_start = toDate({start:String})`;
const RECORD_SQL = `INSERT INTO {db:Identifier}.budget_alerts (project, team, period, period_start, level, sent_at, delivered)
VALUES ({project:String}, {team:String}, {period:String}, toDate({start:String}), {level:String}, now64(3), {delivered:UInt8})`;

const sentSchema = z.array(z.object({ team: z.string(), period: z.string(), level: z.string() }));

export class BudgetAlerts {
  readonly sent: BudgetAlert[] = [];
  failed = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly options: AlertOptions,
  ) {}

  /** Checks the projects' budgets and sends what has not been said this period; serial. */
  check(projects: readonly string[], now: number = Date.now()): Promise<void> {
    const next = this.queue.then(async () => {
      for (const project of projects) await this.checkProject(project, now);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async checkProject(project: string, now: number): Promise<void> {
    const { budgets } = await budgetStatuses(this.store, project, now);
    const levels = (b: BudgetStatus): ("soft" | "hard")[] =>
      b.state === "hard_exceeded" ? ["soft", "hard"] : b.state === "soft_exceeded" ? ["soft"] : [];
    const starts = new Set(budgets.filter((b) => levels(b).length > 0).map((b) => b.periodStart));
    const already = new Set<string>();
    for (const start of starts) {
      const rows = sentSchema.parse(await this.store.select(SENT_SQL, { project, start }));
      for (const r of rows) already.add(`${r.team}\u0000${r.period}\u0000${start}\u0000${r.level}`);
    }
    for (const budget of budgets) {
      // A budget passed straight to its hard limit says so once, at the hard level.
      const level = levels(budget).at(-1);
      if (level === undefined) continue;
      const key = (l: string) => `${budget.team}\u0000${budget.period}\u0000${budget.periodStart}\u0000${l}`;
      if (already.has(key(level))) continue;
      const alert: BudgetAlert = {
        type: "leantrace.budget",
        level,
        project,
        budget,
        at: new Date(now).toISOString(),
      };
      const delivered = await this.deliver(alert);
      for (const l of levels(budget)) {
        await this.store.command(RECORD_SQL, {
          project,
          team: budget.team,
          period: budget.period,
          start: budget.periodStart,
          level: l,
          delivered: delivered ? 1 : 0,
        });
      }
    }
  }

  private async deliver(alert: BudgetAlert): Promise<boolean> {
    const body = JSON.stringify(alert);
    const attempts = this.options.attempts ?? 4;
    let problem = "";
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0)
        await new Promise((r) => setTimeout(r, (this.options.backoffMillis ?? 1000) * 2 ** (attempt - 1)));
      const timestamp = String(Math.floor(Date.now() / 1000));
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "user-agent": "leantrace-collector",
        "x-leantrace-timestamp": timestamp,
      };
      if (this.options.secret)
        headers["x-leantrace-signature"] = signature(this.options.secret, timestamp, body);
      try {
        const response = await fetch(this.options.url, {
          method: "POST",
          headers,
          body,
          signal: AbortSignal.timeout(this.options.timeoutMillis ?? 10_000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) {
          this.sent.push(alert);
          return true;
        }
        problem = `HTTP ${response.status}`;
        // A refusal that will not change: no point asking again.
        if (
          response.status >= 400 &&
          response.status < 500 &&
          response.status !== 408 &&
          response.status !== 429
        )
          break;
      } catch (error) {
        problem = (error as Error).message;
      }
    }
    this.failed++;
    (this.options.warn ?? console.error)(
      `leantrace collector: the budget alert for team ${JSON.stringify(alert.budget.team)} (${alert.level} limit, ${alert.budget.period}) could not be delivered to ${new URL(this.options.url).origin} (${problem})`,
    );
    return false;
  }
}
