// The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
// collector holding the demo's data: each page shows the API's figures, a finding leads to its
// run with its steps highlighted, span content renders as text, and a collector that requires
// keys asks for one. Screenshots of each page go to test-output/dashboard/ for a person to judge.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodeTraceRequestJson } from "@leantrace/otlp";
import {
  type Findings,
  findingsSchema,
  formatCount,
  type RunDetail,
  runDetailSchema,
  type WorkflowReport,
  workflowReportSchema,
} from "@leantrace/reports";
import { type CollectorProcess, runCli, runCommand, spawnCollector, storeFlags } from "@leantrace/testing";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SHOTS = join(ROOT, "test-output", "dashboard");
const HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror=window.__pwned=2>";

let dir: string;
let collector: CollectorProcess;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

async function api<T>(path: string, schema: { parse(value: unknown): T }): Promise<T> {
  const response = await fetch(new URL(path, collector.url));
  expect(response.status, path).toBe(200);
  return schema.parse(await response.json());
}

async function open(path: string, shot: string): Promise<void> {
  const response = await page.goto(new URL(path, collector.url).toString());
  expect(response?.status(), path).toBe(200);
  expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(SHOTS, `${shot}.png`), fullPage: true });
}

/** What an element says, as written (not as CSS shows it: labels are upper-cased). */
const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? "").trim();

/** A run whose steps carry markup in their names, sent as any OTLP client would. */
async function sendHostileRun(): Promise<void> {
  const start = BigInt(Date.now()) * 1_000_000n;
  const body = encodeTraceRequestJson([
    {
      traceId: "d".repeat(32),
      spanId: "1".repeat(16),
      name: HOSTILE,
      startTimeUnixNano: start,
      endTimeUnixNano: start + 50_000_000n,
      attributes: { "gen_ai.workflow.name": HOSTILE, "leantrace.run.id": "hostile-run" },
    },
    {
      traceId: "d".repeat(32),
      spanId: "2".repeat(16),
      parentSpanId: "1".repeat(16),
      name: `chat ${HOSTILE}`,
      startTimeUnixNano: start + 1_000_000n,
      endTimeUnixNano: start + 40_000_000n,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": HOSTILE,
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 2,
        "leantrace.run.id": "hostile-run",
      },
    },
  ]);
  const response = await fetch(new URL("/v1/traces", collector.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: .ci/run installs it (apt-get install -y chromium)`);
  await mkdir(SHOTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), "leantrace-dashboard-"));
  collector = await spawnCollector(storeFlags(dir));
  // The demo's data: support tickets and real mini-swe-agent runs on 1.0.0, then tickets on 1.1.0.
  for (const args of [[collector.url], [collector.url, "1.1.0"]]) {
    const sent = await runCommand(process.execPath, [
      "--import",
      "tsx",
      join(ROOT, "examples/run-examples.ts"),
      ...args,
    ]);
    expect(sent.code, sent.stderr).toBe(0);
  }
  await sendHostileRun();
  const analyzed = await runCli(["analyze", "--endpoint", collector.url]);
  expect(analyzed.code, analyzed.stderr).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("pageerror", (error) => dialogs.push(`page error: ${error.message}`));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await collector?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("the dashboard", () => {
  let report: WorkflowReport;

  it("overview: the figures are the report API's, and the chart is drawn", async () => {
    report = await api("/api/v1/report?since=30d", workflowReportSchema);
    await open("/", "overview");
    const runs = report.workflows.reduce((sum, w) => sum + w.runs, 0);
    const tokens = report.workflows.reduce((sum, w) => sum + w.totalTokens, 0);
    const successes = report.workflows.reduce((sum, w) => sum + w.successes, 0);
    expect(await text("[data-testid=runs] .value")).toBe(formatCount(runs));
    expect(await text("[data-testid=tokens-per-success] .value")).toBe(formatCount(tokens / successes));
    for (const workflow of report.workflows) {
      const row = page.locator(
        `[data-testid=workflows] tr[data-workflow="${workflow.workflow.replaceAll('"', '\\"')}"]`,
      );
      expect((await row.locator("[data-field=tokensPerSuccess]").textContent())?.trim()).toBe(
        formatCount(workflow.tokensPerSuccess),
      );
    }
    await page.waitForSelector("html[data-charts-ready=true]", { state: "attached" });
    expect(await page.locator("canvas[data-chart=series]").getAttribute("height")).not.toBeNull();
  });

  it("workflow: runs, versions with the gate's comparison, tokens by model and kind", async () => {
    const ticket = report.workflows.find((w) => w.workflow === "support-ticket");
    expect(ticket).toBeDefined();
    await open("/workflows/support-ticket?since=30d", "workflow");
    expect(await text("[data-testid=tokens-per-success] .value")).toBe(
      formatCount(ticket?.tokensPerSuccess ?? null),
    );
    expect(await page.locator("[data-testid=versions] tbody tr").count()).toBe(2);
    expect(await text("[data-testid=latest-version] .label")).toContain("1.1.0 vs 1.0.0");
    expect(await page.locator("[data-testid=runs] tbody tr").count()).toBe(ticket?.runs);
    expect(await text("[data-testid=by-model] tbody tr td")).toBe("gpt-4o-mini");
  });

  let findings: Findings;

  it("findings: the API's findings, largest waste first, each linking to its run", async () => {
    findings = await api("/api/v1/findings?limit=100", findingsSchema);
    expect(findings.findings.length).toBeGreaterThan(5);
    await open("/findings", "findings");
    const rows = page.locator("[data-testid=findings] tbody tr");
    expect(await rows.count()).toBe(findings.findings.length);
    expect(await rows.first().getAttribute("data-finding")).toBe(findings.findings[0]?.id);
    await open("/findings?kind=loop&workflow=support-ticket", "findings-filtered");
    const loops = await api("/api/v1/findings?kind=loop&workflow=support-ticket", findingsSchema);
    expect(await page.locator("[data-testid=findings] tbody tr").count()).toBe(loops.findings.length);
  });

  it("a finding leads to its run, its steps highlighted and its explanation beside them", async () => {
    const finding = findings.findings.find((f) => f.workflow === "support-ticket" && f.kind === "loop");
    expect(finding).toBeDefined();
    if (finding === undefined) return;
    await open("/findings?kind=loop&workflow=support-ticket", "findings-before-click");
    await page.locator(`tr[data-finding="${finding.id}"] a`).first().click();
    await page.waitForLoadState("networkidle");
    expect(new URL(page.url()).pathname).toBe(`/runs/${finding.runId}`);
    await page.screenshot({ path: join(SHOTS, "run.png"), fullPage: true });
    const run: RunDetail = await api(`/api/v1/runs/${encodeURIComponent(finding.runId)}`, runDetailSchema);
    const highlighted = await page
      .locator("table.steps tr.highlighted")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-span")));
    expect(new Set(highlighted)).toEqual(
      new Set(finding.spanIds.filter((id) => run.steps.some((s) => s.spanId === id))),
    );
    expect(highlighted.length).toBeGreaterThan(0);
    expect(await text(`.finding.selected .explanation`)).toBe(finding.explanation);
    expect(await page.locator("table.steps tbody tr").count()).toBe(run.steps.length);
    expect(await text("[data-testid=tokens] .value")).toBe(formatCount(run.run.tokens));
  });

  it("renders span names and models holding markup as text", async () => {
    await open("/runs/hostile-run", "run-hostile");
    expect(await page.locator("td.span-name").first().textContent()).toBe(HOSTILE);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.locator("script:not([src]):not([type='application/json'])").count()).toBe(0);
    await open("/", "overview-with-hostile-workflow");
    expect(await page.getByText(HOSTILE).count()).toBeGreaterThan(0);
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  it("keeps filters and the window in the URL", async () => {
    await open("/", "overview-window");
    await page.selectOption("select[name=since]", "7d");
    await page.waitForURL(/since=7d/);
    expect(new URL(page.url()).searchParams.get("since")).toBe("7d");
  });

  it("runs a saved SQL query through the collector and shows its rows as text", async () => {
    await open("/sql", "sql-empty");
    expect(await page.locator("button[data-example]").count()).toBeGreaterThan(2);
    await page.locator("button[data-example]").first().click();
    await page.click("#sql-form button[type=submit]");
    await page.waitForSelector("#sql-result table tbody tr");
    expect(await text("#sql-status")).toMatch(/^\d+ rows? in \d+ ms/);
    await page.screenshot({ path: join(SHOTS, "sql.png"), fullPage: true });
    await page.fill("#sql-query", "SELECT * FROM leantrace.api_keys");
    await page.click("#sql-form button[type=submit]");
    await page.locator("#sql-status", { hasText: "api_keys" }).waitFor();
    expect(await page.locator("#sql-result table").count()).toBe(0);
  });

  it("answers an unknown run with a page that says so", async () => {
    const response = await page.goto(new URL("/runs/no-such-run", collector.url).toString());
    expect(response?.status()).toBe(404);
    expect(await page.locator("main").textContent()).toContain("No run");
  });
});

describe("the dashboard of a collector that requires keys", () => {
  it("asks for the key, keeps it out of the URL, and shows the key's project only", async () => {
    const keyed = await mkdtemp(join(tmpdir(), "leantrace-dashboard-keys-"));
    const created = await runCli(["keys", "create", "--project", "payments", "--data", join(keyed, "data")]);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    const other = await spawnCollector(storeFlags(keyed));
    try {
      const context = await browser.newContext();
      const tab = await context.newPage();
      const first = await tab.goto(new URL("/findings?kind=loop", other.url).toString());
      expect(first?.status()).toBe(401);
      await tab.screenshot({ path: join(SHOTS, "login.png") });
      await tab.fill("input[name=key]", "lt_not-a-real-key");
      await tab.click("button[type=submit]");
      expect(await tab.locator(".error").textContent()).toContain("not valid");
      await tab.fill("input[name=key]", key);
      await tab.click("button[type=submit]");
      await tab.waitForURL(/\/findings\?kind=loop$/);
      expect(tab.url()).not.toContain(key);
      expect(await tab.locator("h1").textContent()).toBe("Findings");
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === "leantrace_key")).toMatchObject({
        httpOnly: true,
        sameSite: "Strict",
      });
      // The API still wants the key from other clients.
      expect((await fetch(new URL("/api/v1/report", other.url))).status).toBe(401);
      await context.close();
    } finally {
      await other.stop();
      await rm(keyed, { recursive: true, force: true });
    }
  }, 90_000);
});
