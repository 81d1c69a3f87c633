// The read API as users' own tools and the CLI use it: breakdowns, time windows, one run's
// steps, CSV, and the OpenAPI document generated from the schemas that validate requests.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import { breakdownSchema, runDetailSchema, workflowReportSchema } from "@leantrace/reports";
import { type CollectorProcess, runCli, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let collector: CollectorProcess;
const NOW = BigInt(Date.now()) * 1_000_000n;
const OLD = BigInt(Date.parse("2020-06-01T00:00:00Z")) * 1_000_000n;
const MS = 1_000_000n;

function span(
  trace: string,
  id: number,
  parent: number | undefined,
  name: string,
  start: bigint,
  attributes: SpanInput["attributes"],
): SpanInput {
  return {
    traceId: trace.repeat(32),
    spanId: id.toString(16).padStart(16, "0"),
    ...(parent === undefined ? {} : { parentSpanId: parent.toString(16).padStart(16, "0") }),
    name,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 10n * MS,
    attributes,
  };
}

const llm = (model: string, input: number, output: number) => ({
  "gen_ai.operation.name": "chat",
  "gen_ai.request.model": model,
  "gen_ai.usage.input_tokens": input,
  "gen_ai.usage.output_tokens": output,
});

/** A run today (a workflow name a spreadsheet would run as a formula) and one in 2020. */
const SPANS: SpanInput[] = [
  span("a", 1, undefined, '=HYPERLINK("http://x")', NOW, {
    "gen_ai.workflow.name": '=HYPERLINK("http://x")',
    "leantrace.outcome": "success",
  }),
  span("a", 2, 1, "chat", NOW + 1n * MS, llm("model-one", 100, 10)),
  span("a", 3, 1, "execute_tool lookup", NOW + 12n * MS, {
    "gen_ai.operation.name": "execute_tool",
    "gen_ai.tool.name": "lookup",
  }),
  span("a", 4, 1, "chat", NOW + 24n * MS, llm("model-two", 50, 5)),
  span("b", 5, undefined, "old-workflow", OLD, { "leantrace.outcome": "failure" }),
  span("b", 6, 5, "chat", OLD + 1n * MS, llm("model-one", 30, 3)),
];

async function get(path: string): Promise<Response> {
  return fetch(new URL(path, collector.url));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-report-api-"));
  collector = await spawnCollector(storeFlags(dir));
  const sent = await fetch(new URL("/v1/traces", collector.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: encodeTraceRequestJson(SPANS),
  });
  expect(sent.status).toBe(200);
  expect((await runCli(["analyze", "--endpoint", collector.url])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await collector?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("GET /api/v1/report", () => {
  it("breaks tokens down by model over the selected runs", async () => {
    const all = breakdownSchema.parse(await (await get("/api/v1/report?by=model")).json());
    expect(all.rows.map((r) => [r.key, r.totalTokens, r.runs])).toEqual([
      ["model-one", 143, 2],
      ["model-two", 55, 1],
    ]);
    const recent = breakdownSchema.parse(await (await get("/api/v1/report?by=model&since=1d")).json());
    expect(recent.rows.map((r) => [r.key, r.totalTokens, r.successes])).toEqual([
      ["model-one", 110, 1],
      ["model-two", 55, 1],
    ]);
    const kinds = breakdownSchema.parse(await (await get("/api/v1/report?by=kind&since=1d")).json());
    expect(Object.fromEntries(kinds.rows.map((r) => [r.key, r.totalTokens]))).toEqual({
      llm: 165,
      tool: 0,
      workflow: 0,
    });
  });

  it("selects runs by when they started: a duration before now, or an ISO time", async () => {
    const old = workflowReportSchema.parse(
      await (await get("/api/v1/report?until=2021-01-01T00:00:00Z")).json(),
    );
    expect(old.workflows.map((w) => [w.workflow, w.totalTokens])).toEqual([["old-workflow", 33]]);
    const recent = workflowReportSchema.parse(await (await get("/api/v1/report?since=2h")).json());
    expect(recent.workflows.map((w) => w.workflow)).toEqual(['=HYPERLINK("http://x")']);
  });

  it("answers a bad window or breakdown with a 400 that says what it takes", async () => {
    const since = await get("/api/v1/report?since=yesterday");
    expect(since.status).toBe(400);
    expect(((await since.json()) as { error: { message: string } }).error.message).toContain(
      "duration before now",
    );
    const by = await get("/api/v1/report?by=colour");
    expect(by.status).toBe(400);
    expect(((await by.json()) as { error: { message: string } }).error.message).toContain("model");
  });
});

describe("GET /api/v1/runs/:id", () => {
  it("gives the run's steps in the order they ran, with their tokens, and its totals", async () => {
    const run = runDetailSchema.parse(await (await get(`/api/v1/runs/${"a".repeat(32)}`)).json());
    expect(run.run).toMatchObject({
      workflow: '=HYPERLINK("http://x")',
      outcome: "success",
      tokens: 165,
      spans: 4,
    });
    expect(run.steps.map((s) => [s.kind, s.model || s.toolName, s.totalTokens])).toEqual([
      ["workflow", "", 0],
      ["llm", "model-one", 110],
      ["tool", "lookup", 0],
      ["llm", "model-two", 55],
    ]);
    expect(run.steps.map((s) => s.offsetMs)).toEqual([0, 1, 12, 24]);
  });

  it("answers an unknown run with 404", async () => {
    const response = await get("/api/v1/runs/no-such-run");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain("no run");
  });
});

describe("GET /api/v1/openapi.json", () => {
  it("describes every read endpoint with the filters it validates", async () => {
    const doc = (await (await get("/api/v1/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, { get: { parameters: { name: string }[]; responses: Record<string, unknown> } }>;
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/api/v1/report",
      "/api/v1/runs",
      "/api/v1/runs/{id}",
      "/api/v1/findings",
      "/api/v1/report/series",
    ]) {
      expect(doc.paths[path]?.get.responses["200"], path).toBeDefined();
    }
    expect(doc.paths["/api/v1/report"]?.get.parameters.map((p) => p.name).sort()).toEqual([
      "by",
      "since",
      "until",
      "workflow",
    ]);
  });
});

describe("leantrace report", () => {
  it("prints a breakdown as a table, and as CSV whose cells stay text in a spreadsheet", async () => {
    const table = await runCli(["report", "--endpoint", collector.url, "--by", "model", "--since", "7d"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/model-one\s+1\s+1\s+110/);
    const csv = await runCli(["report", "--endpoint", collector.url, "--csv"]);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split("\r\n");
    expect(lines[0]?.startsWith("workflow,runs,successes,")).toBe(true);
    expect(lines).toContain(lines.find((l) => l.startsWith(`"'=HYPERLINK(""http://x"")",1,1,0,165,`)));
    expect(lines.some((l) => l.startsWith("old-workflow,1,0,1,33,"))).toBe(true);
  });

  it("says what a bad --since takes, exit 2 (bad input)", async () => {
    const bad = await runCli(["report", "--endpoint", collector.url, "--since", "last week"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("duration before now");
  });
});
