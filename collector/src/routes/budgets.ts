// Budgets and chargeback over HTTP: `GET /api/v1/budgets` (where each budget stands: what the
// SDK's team guard reads), `PUT /api/v1/budgets` (set one), `DELETE /api/v1/budgets` and
// `GET /api/v1/usage` (tokens, cost, outcomes and waste per group for a month).
import {
  budgetSchema,
  budgetStatuses,
  deleteBudget,
  monthWindow,
  PERIODS,
  setBudget,
} from "@leantrace/budgets";
import { BREAKDOWNS, breakdown } from "@leantrace/reports";
import type { Store } from "@leantrace/storage";
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import type { AuthEnv } from "../auth.ts";
import { BodyError, readLimited } from "../ingest/body.ts";
import { parseInput } from "./reports.ts";

const deleteSchema = z.object({ team: z.string().min(1).max(256), period: z.enum(PERIODS) });

export const usageFilterSchema = z.object({
  by: z.enum(BREAKDOWNS),
  /** A calendar month in UTC, `YYYY-MM`. @default the current month */
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected a month as YYYY-MM, e.g. 2026-11")
    .optional(),
});

async function jsonBody(raw: Request): Promise<unknown> {
  if (!(raw.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json")) {
    throw new HTTPException(415, { message: "send the budget as application/json" });
  }
  // Read under the cap, as every other body is: a huge one is refused, never held whole.
  const bytes = await readLimited(raw.body, 64 * 1024).catch((error: unknown) => {
    if (error instanceof BodyError)
      throw new HTTPException(413, { message: "a budget is at most 64 KiB of JSON" });
    throw error;
  });
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new HTTPException(400, { message: "body is not valid JSON" });
  }
}

export interface BudgetHooks {
  /** Meters what landed since the last run, so that a budget's usage is current. */
  meterNow(): Promise<void>;
  /** A budget changed: check it against its usage soon. */
  changed(project: string): void;
}

export function budgetRoutes(app: Hono<AuthEnv>, store: Store, hooks: BudgetHooks): void {
  app.get("/api/v1/budgets", async (c) => {
    await hooks.meterNow();
    return c.json(await budgetStatuses(store, c.get("project")));
  });

  app.put("/api/v1/budgets", async (c) => {
    const budget = parseInput(budgetSchema, await jsonBody(c.req.raw), "body");
    await setBudget(store, c.get("project"), budget);
    hooks.changed(c.get("project"));
    const { budgets } = await budgetStatuses(store, c.get("project"));
    return c.json(budgets.find((b) => b.team === budget.team && b.period === budget.period) ?? {});
  });

  app.delete("/api/v1/budgets", async (c) => {
    const { team, period } = parseInput(deleteSchema, c.req.query());
    await deleteBudget(store, c.get("project"), team, period);
    return c.json({ deleted: { team, period } });
  });

  app.get("/api/v1/usage", async (c) => {
    const { by, month } = parseInput(usageFilterSchema, c.req.query());
    const chosen = month ?? new Date().toISOString().slice(0, 7);
    const window = monthWindow(chosen) as { since: string; until: string };
    return c.json({ month: chosen, ...(await breakdown(store, c.get("project"), { by, ...window })) });
  });
}
