// The waste dashboard, served by the collector itself: server-rendered pages over the same
// report functions as the JSON API (so the figures are the API's), a stylesheet, one small
// script for the charts and the SQL box, and Chart.js. Strict Content-Security-Policy: no
// inline script or style, nothing from elsewhere.

import { budgetStatuses } from "@leantrace/budgets";
import {
  breakdown,
  findingsFilterSchema,
  findingWorkflows,
  listFindings,
  listRuns,
  runDetail,
  runTotals,
  summariseFindings,
  timeSeries,
  timeWindowSchema,
  workflowReport,
} from "@leantrace/reports";
import type { Store } from "@leantrace/storage";
import type { Context, Hono } from "hono";
import { asset } from "./assets.ts";
import { findingsBody, findingsQuery } from "./findings.ts";
import { type Html, h } from "./html.ts";
import { DEFAULT_SINCE, type PageOptions, page } from "./layout.ts";
import { overviewBody } from "./overview.ts";
import { runBody } from "./run.ts";
import { type ExampleQuery, sqlBody } from "./sql-page.ts";
import { versionSteps } from "./version-compare.ts";
import { workflowBody } from "./workflow.ts";

export { escapeHtml, Html, h } from "./html.ts";
export type { ExampleQuery } from "./sql-page.ts";

type DashboardEnv = { Variables: { project: string } };

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS = {
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

export interface DashboardOptions {
  /** Saved queries the SQL page offers. */
  examples?: readonly ExampleQuery[];
}

/** A page, with the headers every page carries (CSP, no sniffing, no framing, no caching). */
export function sendPage(c: Context, html: Html, status: 200 | 400 | 401 | 404 = 200): Response {
  return c.html(html.text, status, SECURITY_HEADERS);
}

/** The window from the URL: `since` defaults to the last 30 days, `all` means no bound. */
function windowOf(
  c: Context,
): { since: string; until: string | undefined; filter: { since?: string; until?: string } } | string {
  const since = c.req.query("since") || DEFAULT_SINCE;
  const until = c.req.query("until") || undefined;
  const parsed = timeWindowSchema.safeParse({ since: since === "all" ? undefined : since, until });
  if (!parsed.success)
    return `The time window is not valid: ${parsed.error.issues[0]?.message ?? "check since and until"}.`;
  return { since, until, filter: parsed.data };
}

/** Daily points, or hourly when the runs fall on fewer than three days (a line needs points). */
async function seriesOf(
  store: Store,
  project: string,
  filter: { since?: string; until?: string; workflow?: string },
) {
  const daily = await timeSeries(store, project, { ...filter, bucket: "day" });
  if (new Set(daily.points.map((p) => p.day)).size >= 3) return daily;
  return timeSeries(store, project, { ...filter, bucket: "hour" });
}

export function loginPage(problem?: string, next = "/"): Html {
  return page(
    { title: "API key", section: "none" },
    h`<h1>This collector asks for an API key</h1>
<form class="login" method="post" action="/login">
  <label>API key <input type="password" name="key" autocomplete="current-password" required autofocus></label>
  <input type="hidden" name="next" value="${next}">
  <button type="submit">Open the dashboard</button>
</form>
${problem === undefined ? "" : h`<p class="error" role="alert">${problem}</p>`}
<p class="muted">The key is kept in a cookie for this site only (HttpOnly, SameSite=Strict), never in a URL. <code>leantrace keys create</code> makes one.</p>`,
  );
}

export function dashboardRoutes(app: Hono<DashboardEnv>, store: Store, options: DashboardOptions = {}): void {
  const problem = (c: Context, text: string, status: 400 | 404) =>
    sendPage(
      c,
      page(
        { title: "Not found", section: "none" },
        h`<h1>${status === 404 ? "Not found" : "Not valid"}</h1><p class="error">${text}</p><p><a href="/">Overview</a></p>`,
      ),
      status,
    );

  app.get("/assets/:name", (c) => {
    const file = asset(c.req.param("name"));
    if (file === undefined) return c.json({ error: { message: "no such asset" } }, 404);
    if (c.req.header("if-none-match") === file.etag) return c.body(null, 304);
    return c.body(new Uint8Array(file.body), 200, {
      "content-type": file.contentType,
      etag: file.etag,
      "cache-control": "public, max-age=300",
      "x-content-type-options": "nosniff",
    });
  });

  app.get("/login", (c) => sendPage(c, loginPage()));

  app.get("/", async (c) => {
    const window = windowOf(c);
    if (typeof window === "string") return problem(c, window, 400);
    const project = c.get("project");
    const [report, series, patterns, wasteful, budgets] = await Promise.all([
      workflowReport(store, project, window.filter),
      seriesOf(store, project, window.filter),
      summariseFindings(store, project, window.filter),
      listRuns(store, project, { ...window.filter, order: "wasted", limit: 10 }),
      budgetStatuses(store, project),
    ]);
    const pageOptions: PageOptions = {
      title: "Overview",
      section: "overview",
      window: { since: window.since, params: {}, path: "/" },
    };
    return sendPage(
      c,
      page(pageOptions, overviewBody({ report, series, patterns, wasteful, budgets, window })),
    );
  });

  app.get("/workflows/:name", async (c) => {
    const name = c.req.param("name");
    if (name.length > 1000) return problem(c, "A workflow name has at most 1,000 characters.", 400);
    const window = windowOf(c);
    if (typeof window === "string") return problem(c, window, 400);
    const project = c.get("project");
    const scope = { ...window.filter, workflow: name };
    const [report, series, runs, patterns, byModel, byKind, totals] = await Promise.all([
      workflowReport(store, project, scope),
      seriesOf(store, project, scope),
      listRuns(store, project, { ...scope, limit: 200 }),
      summariseFindings(store, project, scope),
      breakdown(store, project, { ...scope, by: "model" }),
      breakdown(store, project, { ...scope, by: "kind" }),
      runTotals(store, project, scope),
    ]);
    const body = workflowBody({
      name,
      row: report.workflows[0],
      series,
      runs,
      patterns,
      byModel,
      byKind,
      steps: versionSteps(totals.runs),
      window,
    });
    return sendPage(
      c,
      page(
        { title: name, section: "overview", window: { since: window.since, params: {}, path: c.req.path } },
        body,
      ),
    );
  });

  app.get("/runs/:id", async (c) => {
    const id = c.req.param("id");
    if (id.length > 256) return problem(c, "A run id has at most 256 characters.", 400);
    const detail = await runDetail(store, c.get("project"), id);
    if (detail === undefined) return problem(c, `No run ${JSON.stringify(id)} in this project.`, 404);
    return sendPage(
      c,
      page({ title: `Run ${id}`, section: "none" }, runBody({ detail, selected: c.req.query("finding") })),
    );
  });

  app.get("/findings", async (c) => {
    const query = c.req.query();
    const project = c.get("project");
    const parsed = findingsFilterSchema.safeParse(findingsQuery(query));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return problem(c, `${issue?.path.join(".") || "filter"}: ${issue?.message ?? "not valid"}`, 400);
    }
    const [findings, workflows] = await Promise.all([
      listFindings(store, project, parsed.data),
      findingWorkflows(store, project),
    ]);
    const body = findingsBody({ findings, query, workflows });
    return sendPage(c, page({ title: "Findings", section: "findings" }, body));
  });

  app.get("/sql", (c) =>
    sendPage(c, page({ title: "SQL", section: "sql" }, sqlBody(options.examples ?? []))),
  );
}
