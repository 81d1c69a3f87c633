// The read API: what the CLI, the dashboard and users' own tools ask of the collector. Every
// query is confined to the caller's project; every filter is a zod schema, so a bad one is a
// 400 with a sentence, and the same schemas describe the API in its OpenAPI document.
import { firstIssue } from "@leantrace/conventions";
import {
  breakdown,
  breakdownFilterSchema,
  findingsFilterSchema,
  listFindings,
  reportFilterSchema,
  runDetail,
  runTotals,
  runTotalsFilterSchema,
  summariseFindings,
  timeSeries,
  timeSeriesFilterSchema,
  workflowReport,
} from "@leantrace/reports";
import type { Store } from "@leantrace/storage";
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { z } from "zod";
import type { AuthEnv } from "../auth.ts";

/** The query's (or body's) first problem as a 400: where, and what was wrong. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  origin: "query" | "body" = "query",
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const { where, message } = firstIssue(parsed.error, origin);
  throw new HTTPException(400, { message: `${where}: ${message}` });
}

export function reportRoutes(app: Hono<AuthEnv>, store: Store): void {
  app.get("/api/v1/report", async (c) => {
    const query = c.req.query();
    if (query.by !== undefined) {
      return c.json(await breakdown(store, c.get("project"), parseInput(breakdownFilterSchema, query)));
    }
    return c.json(await workflowReport(store, c.get("project"), parseInput(reportFilterSchema, query)));
  });

  app.get("/api/v1/report/series", async (c) =>
    c.json(await timeSeries(store, c.get("project"), parseInput(timeSeriesFilterSchema, c.req.query()))),
  );

  app.get("/api/v1/runs", async (c) =>
    c.json(await runTotals(store, c.get("project"), parseInput(runTotalsFilterSchema, c.req.query()))),
  );

  app.get("/api/v1/runs/:id", async (c) => {
    const id = c.req.param("id");
    if (id.length > 256) throw new HTTPException(400, { message: "a run id has at most 256 characters" });
    const run = await runDetail(store, c.get("project"), id);
    if (run === undefined)
      throw new HTTPException(404, { message: `no run ${JSON.stringify(id)} in this project` });
    return c.json(run);
  });

  app.get("/api/v1/findings", async (c) =>
    c.json(await listFindings(store, c.get("project"), parseInput(findingsFilterSchema, c.req.query()))),
  );

  app.get("/api/v1/findings/summary", async (c) =>
    c.json(await summariseFindings(store, c.get("project"), parseInput(findingsFilterSchema, c.req.query()))),
  );
}
