// Budgets and chargeback as a platform team runs them: keys per project, a budget set with the
// CLI, spans of two teams sent over OTLP/HTTP, the state moving ok -> soft -> hard as they
// arrive, one signed webhook per level and period, usage that sums to the spans' tokens, months
// cut in UTC, and no project ever seeing another's teams.
import { createHmac } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import { type CollectorProcess, runCli, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SECRET = "whsec-test-secret";
let dir: string;
let collector: CollectorProcess;
let hook: Server;
let keyA: string;
let keyB: string;
const received: { body: string; timestamp: string; signature: string }[] = [];

let spanId = 0;
const NOW = BigInt(Date.now()) * 1_000_000n;

/** One run of one LLM call: `tokens` input tokens, started at `start`. */
function call(run: string, tokens: number, start: bigint = NOW): SpanInput[] {
  spanId += 2;
  const trace = run.padEnd(32, "0").slice(0, 32);
  const root = spanId.toString(16).padStart(16, "0");
  return [
    {
      traceId: trace,
      spanId: root,
      name: "agent",
      startTimeUnixNano: start,
      endTimeUnixNano: start + 5_000_000n,
      attributes: { "gen_ai.workflow.name": "billing-agent", "leantrace.outcome": "success" },
    },
    {
      traceId: trace,
      spanId: (spanId + 1).toString(16).padStart(16, "0"),
      parentSpanId: root,
      name: "chat",
      startTimeUnixNano: start + 1_000_000n,
      endTimeUnixNano: start + 4_000_000n,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": tokens,
        "gen_ai.usage.output_tokens": 0,
      },
    },
  ];
}

async function send(key: string, team: string, spans: SpanInput[]): Promise<void> {
  const response = await fetch(new URL("/v1/traces", collector.url), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: encodeTraceRequestJson(spans, { "service.name": `${team}-app`, "leantrace.team": team }),
  });
  expect(response.status).toBe(200);
}

const cli = (key: string, ...args: string[]) =>
  runCli([...args, "--endpoint", collector.url], { LEANTRACE_API_KEY: key });

interface Budget {
  team: string;
  period: string;
  limitTokens: number | null;
  usedTokens: number;
  limitCost: number | null;
  usedCost: number;
  state: string;
}

async function budgets(key: string): Promise<Budget[]> {
  const result = await cli(key, "budgets", "--json");
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { budgets: Budget[] }).budgets;
}

async function waitForAlerts(n: number): Promise<void> {
  for (let i = 0; i < 100 && received.length < n; i++) await new Promise((r) => setTimeout(r, 100));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-budgets-"));
  hook = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push({
        body,
        timestamp: String(request.headers["x-leantrace-timestamp"]),
        signature: String(request.headers["x-leantrace-signature"]),
      });
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  for (const project of ["alpha", "beta"]) {
    const created = await runCli(["keys", "create", "--project", project, "--data", join(dir, "data")]);
    expect(created.code, created.stderr).toBe(0);
    if (project === "alpha") keyA = created.stdout.trim();
    else keyB = created.stdout.trim();
  }
  collector = await spawnCollector([
    ...storeFlags(dir),
    "--budget-webhook",
    hookUrl,
    "--budget-webhook-secret",
    SECRET,
  ]);
}, 120_000);

afterAll(async () => {
  await collector?.stop();
  hook?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("budgets", () => {
  it("set with the CLI, then ok -> soft -> hard as spans arrive, one signed alert per level", async () => {
    const set = await cli(
      keyA,
      "budgets",
      "set",
      "--team",
      "payments",
      "--monthly-tokens",
      "1000",
      "--soft",
      "50%",
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("payments");

    await send(keyA, "payments", call("a1", 300));
    await send(keyA, "search", call("a2", 5000));
    expect((await budgets(keyA)).map((b) => [b.team, b.period, b.usedTokens, b.state])).toEqual([
      ["payments", "month", 300, "ok"],
    ]);

    await send(keyA, "payments", call("a3", 300));
    expect((await budgets(keyA))[0]).toMatchObject({
      usedTokens: 600,
      limitTokens: 1000,
      state: "soft_exceeded",
    });
    await waitForAlerts(1);
    expect(received).toHaveLength(1);

    await send(keyA, "payments", [...call("a4", 250), ...call("a5", 250)]);
    expect((await budgets(keyA))[0]).toMatchObject({ usedTokens: 1100, state: "hard_exceeded" });
    await waitForAlerts(2);
    // Spending past the hard limit is still stored: ingest never drops what was spent.
    await send(keyA, "payments", call("a6", 100));
    expect((await budgets(keyA))[0]).toMatchObject({ usedTokens: 1200, state: "hard_exceeded" });
    await new Promise((r) => setTimeout(r, 1500));

    expect(received.map((r) => (JSON.parse(r.body) as { level: string }).level)).toEqual(["soft", "hard"]);
    const printed = await cli(keyA, "report");
    expect(printed.stdout).toContain("budget: team payments has used 120% of its tokens for this month");
    expect(printed.stdout).toContain("HARD limit passed");
    for (const alert of received) {
      const expected = `sha256=${createHmac("sha256", SECRET).update(`${alert.timestamp}.${alert.body}`).digest("hex")}`;
      expect(alert.signature).toBe(expected);
      const body = JSON.parse(alert.body) as { project: string; budget: Budget };
      expect(body.project).toBe("alpha");
      expect(body.budget.team).toBe("payments");
    }
  });

  it("refuses a budget without a limit, or with a bad one, in a sentence", async () => {
    const none = await cli(keyA, "budgets", "set", "--team", "payments");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("give a limit");
    const bad = await cli(keyA, "budgets", "set", "--team", "payments", "--monthly-tokens", "lots");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("whole number of tokens");
    const api = await fetch(new URL("/api/v1/budgets", collector.url), {
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${keyA}` },
      body: JSON.stringify({ team: "x", period: "fortnight", limitTokens: 5 }),
    });
    expect(api.status).toBe(400);
  });

  it("never shows one project's teams to another project's key", async () => {
    await send(keyB, "payments", call("b1", 42));
    expect(await budgets(keyB)).toEqual([]);
    const usageB = await cli(keyB, "usage", "--by", "team", "--json");
    expect(usageB.code, usageB.stderr).toBe(0);
    expect((JSON.parse(usageB.stdout) as { rows: { key: string; totalTokens: number }[] }).rows).toEqual([
      expect.objectContaining({ key: "payments", totalTokens: 42 }),
    ]);
    expect((await budgets(keyA))[0]?.usedTokens).toBe(1200);
  });
});

describe("leantrace usage", () => {
  it("sums each team's tokens to what its spans carry, with outcomes and waste beside them", async () => {
    const result = await cli(keyA, "usage", "--by", "team", "--json");
    expect(result.code, result.stderr).toBe(0);
    const usage = JSON.parse(result.stdout) as {
      month: string;
      rows: { key: string; totalTokens: number; runs: number; successes: number }[];
    };
    expect(usage.month).toBe(new Date().toISOString().slice(0, 7));
    expect(usage.rows.map((r) => [r.key, r.totalTokens, r.runs, r.successes])).toEqual([
      ["search", 5000, 1, 1],
      ["payments", 1200, 5, 5],
    ]);
    const table = await cli(keyA, "usage", "--by", "app");
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/search-app\s+5,000/);
    expect(table.stdout).toMatch(/total\s+6,200/);
    const csv = await cli(keyA, "usage", "--by", "model", "--csv");
    expect(csv.stdout.split("\r\n")[1]).toMatch(/^\d{4}-\d{2},gpt-4o-mini,6200,/);
  });

  it("cuts months in UTC", async () => {
    const lastSecondOfNovember = BigInt(Date.parse("2026-11-30T23:59:59Z")) * 1_000_000n;
    const firstSecondOfDecember = BigInt(Date.parse("2026-12-01T00:00:00Z")) * 1_000_000n + 1_000_000_000n;
    await send(keyB, "edge", call("e1", 11, lastSecondOfNovember - 5_000_000n));
    await send(keyB, "edge", call("e2", 13, firstSecondOfDecember));
    const tokensIn = async (month: string) => {
      const result = await cli(keyB, "usage", "--by", "team", "--month", month, "--json");
      expect(result.code, result.stderr).toBe(0);
      const rows = (JSON.parse(result.stdout) as { rows: { key: string; totalTokens: number }[] }).rows;
      return rows.find((r) => r.key === "edge")?.totalTokens ?? 0;
    };
    expect(await tokensIn("2026-11")).toBe(11);
    expect(await tokensIn("2026-12")).toBe(13);
    const bad = await cli(keyB, "usage", "--month", "2026-13");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("YYYY-MM");
  });
});
