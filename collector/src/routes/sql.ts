// `POST /api/v1/sql`: one read-only query, confined to the caller's project, through the
// collector: the embedded store is one process's, so this is how it is queried while the
// collector runs. What a query may do is decided in @leantrace/reports/sql; here: the body,
// how many run at once, and the answer's format.
import { TRUNCATED_HEADER } from "@leantrace/conventions";
import { runSqlQuery, SqlQueryError, sqlRequestSchema, sqlResultCsv } from "@leantrace/reports/sql";
import type { Store } from "@leantrace/storage";
import type { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AuthEnv } from "../auth.ts";
import { BodyError, readLimited } from "../ingest/body.ts";
import { parseInput } from "./reports.ts";

/** Queries share the engine with ingest and analysis: a few at a time, the others told to wait. */
const MAX_RUNNING = 2;
const MAX_BODY_BYTES = 512 * 1024;

/**
 * `beforeQuery` lets a query see what was acknowledged before it (the collector waits for its
 * log) and gives the headers that say what it did not wait for.
 */
export function sqlRoutes(
  app: Hono<AuthEnv>,
  store: Store,
  beforeQuery?: () => Promise<Record<string, string>>,
): void {
  let running = 0;
  app.post("/api/v1/sql", async (c) => {
    // JSON only: a cross-site form post (text/plain, form-encoded) cannot run a query.
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/json") {
      throw new HTTPException(415, {
        message: 'send the query as application/json: {"query": "SELECT ...", "format"?: "json" | "csv"}',
      });
    }
    const raw = await readLimited(c.req.raw.body, MAX_BODY_BYTES).catch((error: unknown) => {
      if (error instanceof BodyError) throw new HTTPException(error.status, { message: error.message });
      throw error;
    });
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new HTTPException(400, { message: 'body is not valid JSON: send {"query": "SELECT ..."}' });
    }
    const request = parseInput(sqlRequestSchema, body, "body");
    if (running >= MAX_RUNNING) {
      c.header("retry-after", "1");
      throw new HTTPException(429, {
        message: `${MAX_RUNNING} SQL queries are running already: send again shortly`,
      });
    }
    running++;
    try {
      const pending = (await beforeQuery?.()) ?? {};
      const result = await runSqlQuery(store, c.get("project"), request.query);
      if (request.format === "csv") {
        return c.body(sqlResultCsv(result), 200, {
          ...pending,
          "content-type": "text/csv; charset=utf-8",
          [TRUNCATED_HEADER]: String(result.truncated),
        });
      }
      return c.json(result, 200, pending);
    } catch (error) {
      if (error instanceof SqlQueryError) throw new HTTPException(error.status, { message: error.message });
      throw error;
    } finally {
      running--;
    }
  });
}
