// `leantrace sql` against a running collector, as a platform team uses it: the same store the
// collector writes, read without stopping it, in a table, JSON or CSV; a refused query is a
// sentence and a non-zero exit.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeTraceRequestJson } from "@leantrace/otlp";
import { type CollectorProcess, runCli, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let collector: CollectorProcess;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-sql-cli-"));
  collector = await spawnCollector([...storeFlags(dir), "--analyze-interval-seconds", "0"]);
  env = { LEANTRACE_ENDPOINT: collector.url };
  const start = BigInt(Date.now() - 60_000) * 1_000_000n;
  const body = encodeTraceRequestJson(
    ["gpt-4o", "gpt-4o", "claude-sonnet"].map((model, i) => ({
      traceId: "c".repeat(32),
      spanId: `000000000000000${i + 1}`,
      name: `chat ${model}`,
      startTimeUnixNano: start + BigInt(i) * 1_000_000n,
      endTimeUnixNano: start + BigInt(i) * 1_000_000n + 1000n,
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.usage.input_tokens": 100 * 2 ** i,
        "gen_ai.workflow.name": 'support, "tier 1"',
      },
    })),
    { "service.version": "1.0.0" },
  );
  const response = await fetch(`${collector.url}/v1/traces`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  expect(response.status).toBe(200);
});

afterAll(async () => {
  await collector?.stop();
  await rm(dir, { recursive: true, force: true });
});

const QUERY =
  "SELECT model, sum(total_tokens) AS tokens, any(workflow) AS workflow FROM leantrace.spans GROUP BY model ORDER BY tokens DESC";

describe("leantrace sql", () => {
  it("prints an aligned table by default, while the collector runs", async () => {
    const result = await runCli(["sql", QUERY], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /^model +tokens +workflow\n-+ +-+ +-+\nclaude-sonnet +400 +support, "tier 1"\ngpt-4o +300 +support, "tier 1"\n\n2 rows in \d+ ms\n$/,
    );
  });

  it("prints JSON and CSV for scripts and spreadsheets", async () => {
    const json = await runCli(["sql", QUERY, "--format", "json"], env);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.columns).toEqual([
      { name: "model", type: "LowCardinality(String)" },
      { name: "tokens", type: "UInt64" },
      { name: "workflow", type: "String" },
    ]);
    expect(parsed.rows).toEqual([
      ["claude-sonnet", 400, 'support, "tier 1"'],
      ["gpt-4o", 300, 'support, "tier 1"'],
    ]);
    expect(parsed.truncated).toBe(false);
    const csv = await runCli(["sql", QUERY, "--format", "csv", "--endpoint", collector.url]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toBe(
      'model,tokens,workflow\r\nclaude-sonnet,400,"support, ""tier 1"""\r\ngpt-4o,300,"support, ""tier 1"""\r\n',
    );
  });

  it("says in a sentence why a query was refused, and exits non-zero", async () => {
    const refused = await runCli(["sql", "SELECT * FROM leantrace.api_keys"], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^leantrace: the collector answered 400: table leantrace\.api_keys cannot be read/,
    );
    const dropped = await runCli(["sql", "DROP TABLE leantrace.spans"], env);
    expect(dropped.code).toBe(2);
    expect(dropped.stderr).toMatch(/only a single SELECT/);
    const bad = await runCli(["sql", "SELECT nope FROM leantrace.spans"], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown expression identifier/);
    const format = await runCli(["sql", "SELECT 1", "--format", "xml"], env);
    expect(format.code).toBe(2);
    const away = await runCli(["sql", "SELECT 1", "--endpoint", "http://127.0.0.1:9"]);
    expect(away.code).toBe(1);
    expect(away.stderr).toMatch(/cannot reach the collector/);
  });
});
