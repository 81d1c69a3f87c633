// Tenants are isolated: project A cannot read, count or analyze project B's runs through any
// endpoint, even by sending the same trace ids; keys are required once they exist; every
// filter is a query parameter, so SQL-looking values are only values.
import { encodeTraceRequestJson } from "@leantrace/otlp";
import { createApiKey, openStore, type Store } from "@leantrace/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IngestPipeline, pipelineOptions } from "./ingest/pipeline.ts";
import { type InProcessCollector, startInProcessCollector } from "./testing/in-process.ts";

let store: Store;
let collector: InProcessCollector;
let ingest: IngestPipeline;
let keyA: string;
let keyB: string;

const SHARED_TRACE = "abcdefabcdefabcdefabcdefabcdef01";

function traces(workflow: string, traceId: string, tokens: number) {
  const start = 1_790_000_000_000_000_000n;
  return encodeTraceRequestJson(
    [
      {
        traceId,
        spanId: "0000000000000001",
        name: `invoke_workflow ${workflow}`,
        startTimeUnixNano: start,
        endTimeUnixNano: start + 1_000_000_000n,
        attributes: { "gen_ai.workflow.name": workflow, "leantrace.outcome": "success" },
      },
      ...[1, 2, 3].map((i) => ({
        traceId,
        spanId: `000000000000000${i + 1}`,
        parentSpanId: "0000000000000001",
        name: "execute_tool lookup",
        startTimeUnixNano: start + BigInt(i) * 1_000_000n,
        endTimeUnixNano: start + BigInt(i) * 1_000_000n + 1000n,
        attributes: { "gen_ai.tool.name": "lookup", "leantrace.fp.tool_args": "same" },
      })),
      {
        traceId,
        spanId: "0000000000000009",
        parentSpanId: "0000000000000001",
        name: "chat",
        startTimeUnixNano: start + 500_000_000n,
        endTimeUnixNano: start + 600_000_000n,
        attributes: { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": tokens },
      },
    ],
    { "service.version": `${workflow}-1` },
  );
}

function call(path: string, key: string | undefined, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (key !== undefined) headers.set("authorization", `Bearer ${key}`);
  return collector.app.request(path, { ...init, headers });
}

/** Posts as JSON; ingest answers are followed by waiting until what they acknowledged is in storage. */
const post = async (path: string, key: string | undefined, body: string) => {
  const response = await call(path, key, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  if (path.startsWith("/v1/")) await ingest.drained(10_000);
  return response;
};

beforeAll(async () => {
  collector = await startInProcessCollector("security", {}, async (keys) => {
    keyA = await createApiKey(keys, "team-a");
    keyB = await createApiKey(keys, "team-b");
  });
  ({ store, ingest } = collector);
  expect((await post("/v1/traces", keyA, traces("alpha", SHARED_TRACE, 100))).status).toBe(200);
  // Project B sends the very same trace and span ids: it must not touch A's rows.
  expect((await post("/v1/traces", keyB, traces("beta", SHARED_TRACE, 7))).status).toBe(200);
  expect((await post("/v1/traces", keyB, traces("beta", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 9))).status).toBe(
    200,
  );
  // B posts an outcome for A's run id: it lands in B's project only.
  expect(
    (await post("/v1/outcomes", keyB, JSON.stringify({ runId: SHARED_TRACE, outcome: "failure" }))).status,
  ).toBe(200);
});

afterAll(() => collector.close());

describe("API keys", () => {
  it("are required on every endpoint but /health once a key exists", async () => {
    expect((await call("/health", undefined)).status).toBe(200);
    for (const [path, method] of [
      ["/v1/traces", "POST"],
      ["/v1/outcomes", "POST"],
      ["/api/v1/report", "GET"],
      ["/api/v1/findings", "GET"],
      ["/api/v1/runs", "GET"],
      ["/api/v1/analyze", "POST"],
    ] as const) {
      const missing = await call(path, undefined, { method });
      expect(missing.status, `${method} ${path}`).toBe(401);
      expect(((await missing.json()) as { error: { message: string } }).error.message).toContain(
        "API key is required",
      );
      expect((await call(path, "lt_not-a-key", { method })).status, `${method} ${path}`).toBe(401);
    }
  });

  it("are stored only as hashes", async () => {
    const rows = await store.select<{ key_hash: string }>("SELECT key_hash FROM {db:Identifier}.api_keys");
    expect(rows.map((r) => r.key_hash)).not.toContain(keyA);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.key_hash))).toBe(true);
  });
});

describe("project isolation", () => {
  it("confines reports, runs, findings and analysis to the caller's project", async () => {
    for (const [key, mine, theirs, tokens, runs] of [
      [keyA, "alpha", "beta", 100, 1],
      [keyB, "beta", "alpha", 16, 2],
    ] as const) {
      const analyzed = (await (
        await post("/api/v1/analyze", key, JSON.stringify({ full: true }))
      ).json()) as {
        runs: number;
      };
      expect(analyzed.runs).toBe(runs);
      const report = (await (await call("/api/v1/report", key)).json()) as {
        workflows: { workflow: string; totalTokens: number; successes: number; failures: number }[];
      };
      expect(report.workflows.map((w) => w.workflow)).toEqual([mine]);
      expect(report.workflows[0]?.totalTokens).toBe(tokens);
      const byName = (await (await call(`/api/v1/report?workflow=${theirs}`, key)).json()) as {
        workflows: unknown[];
      };
      expect(byName.workflows).toEqual([]);
      const listed = (await (await call("/api/v1/runs", key)).json()) as { runs: { workflow: string }[] };
      expect(new Set(listed.runs.map((r) => r.workflow))).toEqual(new Set([mine]));
      const findings = (await (await call("/api/v1/findings", key)).json()) as {
        findings: { workflow: string }[];
      };
      expect(findings.findings.length).toBeGreaterThan(0);
      expect(new Set(findings.findings.map((f) => f.workflow))).toEqual(new Set([mine]));
      const theirRun = (await (await call(`/api/v1/findings?run=${SHARED_TRACE}`, key)).json()) as {
        findings: { workflow: string }[];
      };
      expect(theirRun.findings.every((f) => f.workflow === mine)).toBe(true);
      // The run both projects sent under one id: each sees its own steps, never the other's.
      const shared = (await (await call(`/api/v1/runs/${SHARED_TRACE}`, key)).json()) as {
        run: { workflow: string; tokens: number };
      };
      expect(shared.run.workflow).toBe(mine);
      const byModel = (await (await call("/api/v1/report?by=model", key)).json()) as {
        rows: { totalTokens: number }[];
      };
      expect(byModel.rows.reduce((sum, r) => sum + r.totalTokens, 0)).toBe(tokens);
      const series = (await (await call("/api/v1/report/series", key)).json()) as {
        points: { workflow: string }[];
      };
      expect(new Set(series.points.map((p) => p.workflow))).toEqual(new Set([mine]));
    }
    // B's late "failure" for the shared run id did not change A's run.
    const a = (await (await call("/api/v1/report", keyA)).json()) as { workflows: { successes: number }[] };
    expect(a.workflows[0]?.successes).toBe(1);
  });

  it("treats SQL-looking values in every filter as plain values", async () => {
    const nasty = ["x' OR '1'='1", "'); DROP TABLE leantrace.spans; --", "\\' OR 1=1 --", "alpha\u0000"];
    for (const value of nasty) {
      const q = encodeURIComponent(value);
      for (const path of [
        `/api/v1/report?workflow=${q}`,
        `/api/v1/findings?workflow=${q}`,
        `/api/v1/findings?run=${q}`,
        `/api/v1/runs?workflow=${q}`,
        `/api/v1/runs?ciRunId=${q}`,
        `/api/v1/runs?version=${q}`,
      ]) {
        const response = await call(path, keyA);
        expect(response.status, path).toBe(200);
        const body = (await response.json()) as Record<string, unknown[]>;
        expect(Object.values(body)[0], path).toEqual([]);
      }
      for (const path of [
        `/api/v1/findings?kind=${q}`,
        `/api/v1/runs?since=${q}`,
        `/api/v1/findings?limit=${q}`,
      ]) {
        expect((await call(path, keyA)).status, path).toBe(400);
      }
      expect(
        (await post("/v1/outcomes", keyA, JSON.stringify({ runId: value, outcome: "success" }))).status,
      ).toBe(200);
    }
    const [spans] = await store.select<{ n: number }>("SELECT count() AS n FROM {db:Identifier}.spans");
    expect(spans?.n).toBe(15);
  });
});

describe("unknown keys", () => {
  it("are refused from memory, without a query, even with storage gone", async () => {
    // Storage closes (down, or far away): a request must not need it to tell a key.
    await ingest.stop(10_000);
    await store.close();
    // A query now would fail (500): every refusal below came from memory.
    for (let i = 0; i < 200; i++) {
      const response = await call("/v1/traces", `lt_unknown_${i}`, { method: "POST", body: "{}" });
      expect(response.status).toBe(401);
    }
    // Open again for the tests below; close() stops whatever is open by then.
    collector.store = store = await openStore(collector.config.storage);
    collector.ingest = ingest = await IngestPipeline.open(store, pipelineOptions(collector.config));
  });
});
