// `POST /api/v1/sql` against hostile SQL: one project's key must never read, count or infer
// another project's rows, nor read keys, system tables, files or the network, nor change
// anything, whatever the query says; and what is allowed answers in JSON and CSV.
import { encodeTraceRequestJson } from "@leantrace/otlp";
import {
  EXAMPLE_QUERIES,
  runSqlQuery,
  SQL_HIDDEN_TABLES,
  SQL_LIMITS,
  SQL_TABLES,
  SqlQueryError,
  type SqlResult,
} from "@leantrace/reports/sql";
import { createApiKey, type Store } from "@leantrace/storage";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IngestPipeline } from "../ingest/pipeline.ts";
import { type InProcessCollector, startInProcessCollector } from "../testing/in-process.ts";

let store: Store;
let collector: InProcessCollector;
let ingest: IngestPipeline;
let keyA: string;
let keyB: string;

const SHARED_TRACE = "abcdefabcdefabcdefabcdefabcdef01";
/** Appears only in project B's rows: no answer to A may contain it. */
const SECRET = "beta-secret";

function traces(workflow: string, traceId: string, tokens: number, marker: string) {
  const start = BigInt(Date.now() - 3_600_000) * 1_000_000n;
  return encodeTraceRequestJson(
    [
      {
        traceId,
        spanId: "0000000000000001",
        name: `invoke_workflow ${workflow}`,
        startTimeUnixNano: start,
        endTimeUnixNano: start + 1_000_000_000n,
        attributes: { "gen_ai.workflow.name": workflow, "leantrace.outcome": "success", marker },
      },
      ...[1, 2, 3].map((i) => ({
        traceId,
        spanId: `000000000000000${i + 1}`,
        parentSpanId: "0000000000000001",
        name: `execute_tool ${marker}`,
        startTimeUnixNano: start + BigInt(i) * 1_000_000n,
        endTimeUnixNano: start + BigInt(i) * 1_000_000n + 1000n,
        attributes: { "gen_ai.tool.name": marker, "leantrace.fp.tool_args": "same" },
      })),
      {
        traceId,
        spanId: "0000000000000009",
        parentSpanId: "0000000000000001",
        name: "chat",
        startTimeUnixNano: start + 500_000_000n,
        endTimeUnixNano: start + 600_000_000n,
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.request.model": "gpt-4o",
          "gen_ai.usage.input_tokens": tokens,
        },
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

const post = async (path: string, key: string | undefined, body: string) => {
  const response = await call(path, key, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
  if (path.startsWith("/v1/")) await ingest.drained(10_000);
  return response;
};

const sql = (query: string, key = keyA, format?: "json" | "csv") =>
  post("/api/v1/sql", key, JSON.stringify({ query, ...(format === undefined ? {} : { format }) }));

/** Runs a query that must be answered; returns the answer and its raw text. */
async function rows(query: string, key = keyA): Promise<SqlResult & { text: string }> {
  const response = await sql(query, key);
  const text = await response.text();
  expect(response.status, `${query}: ${text}`).toBe(200);
  return { ...(JSON.parse(text) as SqlResult), text };
}

/** Runs a query that must be refused with 400; returns the sentence. */
async function refused(query: string, key = keyA): Promise<string> {
  const response = await sql(query, key);
  const body = (await response.json()) as { error: { message: string } };
  expect(response.status, `${query}: ${body.error.message}`).toBe(400);
  expect(body.error.message).not.toContain(SECRET);
  expect(body.error.message).not.toMatch(/Stack trace|__leantrace_row|additional_table_filters/);
  return body.error.message;
}

beforeAll(async () => {
  collector = await startInProcessCollector("sql", {}, async (keys) => {
    keyA = await createApiKey(keys, "team-a");
    keyB = await createApiKey(keys, "team-b");
  });
  ({ store, ingest } = collector);
  expect((await post("/v1/traces", keyA, traces("alpha", SHARED_TRACE, 100, "alpha-tool"))).status).toBe(200);
  // B sends the very same trace and span ids, and more: none of it may show to A.
  expect((await post("/v1/traces", keyB, traces("beta", SHARED_TRACE, 7, SECRET))).status).toBe(200);
  expect((await post("/v1/traces", keyB, traces("beta", "b".repeat(32), 9, SECRET))).status).toBe(200);
  expect(
    (await post("/v1/outcomes", keyB, JSON.stringify({ runId: SHARED_TRACE, outcome: "failure" }))).status,
  ).toBe(200);
  for (const key of [keyA, keyB]) {
    expect((await post("/api/v1/analyze", key, JSON.stringify({ full: true }))).status).toBe(200);
  }
});

afterAll(() => collector?.close());

describe("POST /api/v1/sql", () => {
  it("answers the caller's rows with their columns and types, as JSON and CSV", async () => {
    const result = await rows(
      "SELECT kind, count() AS spans, sum(total_tokens) AS tokens FROM leantrace.spans FINAL GROUP BY kind ORDER BY kind",
    );
    expect(result.columns).toEqual([
      { name: "kind", type: "LowCardinality(String)" },
      { name: "spans", type: "UInt64" },
      { name: "tokens", type: "UInt64" },
    ]);
    expect(result.rows).toEqual([
      ["llm", 1, 100],
      ["tool", 3, 0],
      ["workflow", 1, 0],
    ]);
    expect(result.truncated).toBe(false);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
    const csv = await sql(
      "SELECT kind, count() AS n FROM leantrace.spans GROUP BY kind ORDER BY kind",
      keyA,
      "csv",
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(await csv.text()).toBe("kind,n\r\nllm,1\r\ntool,3\r\nworkflow,1\r\n");
    // Exact 64-bit integers: a number when JavaScript holds it exactly, else a string.
    const big = await rows("SELECT toUInt64(18446744073709551615) AS big, toUInt64(7) AS small");
    expect(big.rows).toEqual([["18446744073709551615", 7]]);
  });

  it("keeps the query's ORDER BY, and answers a query that reads nothing", async () => {
    const ordered = await rows("SELECT span_id FROM leantrace.spans ORDER BY span_id DESC");
    expect(ordered.rows.map((r) => r[0])).toEqual([
      "0000000000000009",
      "0000000000000004",
      "0000000000000003",
      "0000000000000002",
      "0000000000000001",
    ]);
    expect((await rows("SELECT 1 AS one")).rows).toEqual([[1]]);
    // A quote inside a string is a value: the "second statement" is text in the answer.
    const tricky = await rows("SELECT '; DROP TABLE leantrace.spans; --' AS x /* ; DROP TABLE x */ -- ;");
    expect(tricky.rows).toEqual([["; DROP TABLE leantrace.spans; --"]]);
  });

  it("confines every table and view to the caller's project, whatever the WHERE says", async () => {
    const existing = await store.select<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = {db:String}",
    );
    const tables = SQL_TABLES.filter((table) => existing.some((t) => t.name === table));
    expect(tables).toContain("current_findings");
    for (const table of tables) {
      const result = await rows(
        `SELECT DISTINCT project FROM leantrace.${table} WHERE 1 OR project != 'team-a'`,
      );
      expect(
        result.rows.every((r) => r[0] === "team-a"),
        table,
      ).toBe(true);
    }
    for (const query of [
      "SELECT * FROM leantrace.spans WHERE 1 OR project != 'x'",
      "SELECT * FROM leantrace.spans WHERE project = 'team-b'",
      "SELECT count() FROM (SELECT * FROM leantrace.spans WHERE project = 'team-b')",
      "SELECT * FROM leantrace.runs",
      "SELECT * FROM leantrace.current_findings",
      "SELECT * FROM leantrace.findings",
      "SELECT * FROM leantrace.outcomes",
      "SELECT * FROM leantrace.run_analysis",
      "SELECT a.project, b.project, b.span_name FROM leantrace.spans AS a JOIN leantrace.spans AS b ON a.trace_id = b.trace_id",
      "SELECT span_name FROM leantrace.spans UNION ALL SELECT workflow FROM leantrace.runs UNION ALL SELECT explanation FROM leantrace.findings",
      "WITH everything AS (SELECT * FROM leantrace.spans) SELECT * FROM everything",
      "SELECT (SELECT groupArray(span_name) FROM leantrace.spans WHERE project = 'team-b') AS theirs",
      "SELECT * FROM leantrace.spans WHERE span_name IN (SELECT span_name FROM leantrace.spans WHERE project = 'team-b')",
      "SELECT getSetting('additional_table_filters') AS filters",
    ]) {
      const result = await rows(query);
      expect(result.text, query).not.toContain(SECRET);
      expect(result.text, query).not.toContain("team-b");
    }
    const counted = await rows("SELECT count() FROM leantrace.spans WHERE project = 'team-b'");
    expect(counted.rows).toEqual([[0]]);
    // B posted a "failure" for A's run id: A's run still succeeded.
    expect((await rows("SELECT outcome FROM leantrace.runs")).rows).toEqual([["success"]]);
    // And B sees its own rows (the filter is the caller's, not a fixed one).
    const theirs = await rows("SELECT count() FROM leantrace.spans FINAL", keyB);
    expect(theirs.rows).toEqual([[10]]);
  });

  it("reads no other table: keys, system tables, other databases, dictionaries, table functions", async () => {
    for (const query of [
      "SELECT * FROM leantrace.api_keys",
      "SELECT * FROM leantrace.schema_migrations",
      "SELECT * FROM leantrace.finding_candidates",
      "SELECT project FROM leantrace.spans UNION ALL SELECT project FROM leantrace.api_keys",
      "SELECT * FROM leantrace.spans AS s JOIN leantrace.api_keys AS k ON s.project = k.project",
      "SELECT (SELECT any(key_hash) FROM leantrace.api_keys) AS k",
      "WITH k AS (SELECT * FROM leantrace.api_keys) SELECT * FROM k",
      "SELECT count() FROM leantrace.spans WHERE project IN leantrace.api_keys",
      "SELECT count() FROM leantrace.spans WHERE project IN api_keys",
      "SELECT * FROM system.tables",
      "SELECT * FROM system.one",
      "SELECT * FROM system.processes",
      "SELECT * FROM information_schema.tables",
      "SELECT * FROM INFORMATION_SCHEMA.TABLES",
      "SELECT * FROM `system`.`tables`",
      "SELECT * FROM default.spans",
      "SELECT * FROM file('/etc/passwd', 'LineAsString')",
      "SELECT file('/etc/passwd') AS passwd",
      "SELECT toUInt8(file('/etc/hostname')) AS h",
      "SELECT * FROM url('http://127.0.0.1:1/', 'LineAsString')",
      "SELECT * FROM remote('127.0.0.1', leantrace.api_keys)",
      "SELECT * FROM merge('leantrace', 'api_keys')",
      "SELECT * FROM cluster('default', leantrace.api_keys)",
      "SELECT * FROM numbers(10)",
      "SELECT * FROM executable('id', 'LineAsString')",
      "SELECT * FROM s3('http://127.0.0.1:1/x.csv')",
      "SELECT * FROM dictionary('d')",
      "SELECT dictGet('d', 'a', 1)",
      "SELECT joinGet('leantrace.api_keys', 'project', 'x')",
      "SELECT getServerSetting('path')",
      "SELECT aiGenerate('say something')",
      "SELECT * FROM (SELECT * FROM leantrace.spans) AS s, numbers(3)",
    ]) {
      await refused(query);
    }
    expect(await refused("SELECT * FROM leantrace.api_keys")).toMatch(
      /cannot be read: only leantrace\.spans/,
    );
    expect(await refused("SELECT * FROM file('/etc/passwd')")).toMatch(/table functions are not allowed/);
  });

  it("runs one SELECT and nothing else: no statement after it, no writes, no SETTINGS, no FORMAT", async () => {
    const counts = () =>
      store.select<{ spans: number; keys: number; tables: number }>(
        `SELECT (SELECT count() FROM {db:Identifier}.spans FINAL) AS spans,
                (SELECT count() FROM {db:Identifier}.api_keys) AS keys,
                (SELECT count() FROM system.tables WHERE database = {db:String}) AS tables`,
      );
    const before = await counts();
    for (const query of [
      "SELECT 1; DROP TABLE leantrace.spans",
      "SELECT 1; SELECT * FROM leantrace.api_keys",
      "SELECT 1;; SELECT 2",
      "DROP TABLE leantrace.spans",
      "TRUNCATE TABLE leantrace.spans",
      "INSERT INTO leantrace.spans (project, trace_id, span_id) VALUES ('team-b', 'x', 'y')",
      "INSERT INTO leantrace.spans SELECT * FROM leantrace.spans",
      "ALTER TABLE leantrace.spans DELETE WHERE 1",
      "ALTER TABLE leantrace.spans UPDATE project = 'team-a' WHERE 1",
      "CREATE TABLE leantrace.mine (x UInt8) ENGINE = Memory",
      "CREATE VIEW leantrace.everything AS SELECT * FROM leantrace.spans",
      "SYSTEM DROP MARK CACHE",
      "SET readonly = 0",
      "SET additional_table_filters = {}",
      "KILL QUERY WHERE 1",
      "OPTIMIZE TABLE leantrace.spans FINAL",
      "RENAME TABLE leantrace.api_keys TO leantrace.keys",
      "GRANT ALL ON *.* TO default",
      "SHOW TABLES FROM leantrace",
      "DESCRIBE TABLE leantrace.api_keys",
      "EXPLAIN SELECT * FROM leantrace.api_keys",
      "EXISTS TABLE leantrace.api_keys",
      "SELECT 1 INTO OUTFILE '/tmp/leantrace-sql-test'",
      "SELECT 1 FORMAT CSV",
      "SELECT * FROM leantrace.spans FORMAT JSON",
      "SELECT count() FROM leantrace.spans SETTINGS additional_table_filters = {}",
      "SELECT count() FROM leantrace.spans SETTINGS readonly = 0",
      "SELECT count() FROM leantrace.spans SETTINGS max_execution_time = 100000",
      "SELECT * FROM (SELECT project FROM leantrace.spans SETTINGS additional_table_filters = {})",
      "SELECT 1 WHERE 1 IN (SELECT 1 SETTINGS max_threads = 64)",
      "WITH x AS (SELECT project FROM leantrace.spans SETTINGS additional_table_filters = {}) SELECT * FROM x",
    ]) {
      await refused(query);
    }
    expect(await refused("SELECT 1; DROP TABLE leantrace.spans")).toMatch(/Multi-statements are not allowed/);
    expect(await refused("DROP TABLE leantrace.spans")).toMatch(/only a single SELECT/);
    expect(await refused("SELECT 1 SETTINGS readonly = 0")).toMatch(/SETTINGS are not allowed/);
    // Nothing changed: B's spans, the keys and the tables are all still there.
    expect(await counts()).toEqual(before);
    expect(before[0]).toMatchObject({ spans: 15, keys: 2 });
  });

  it("says what is wrong with a query, without stacks or the statement wrapped around it", async () => {
    expect(await refused("SELECT nope FROM leantrace.spans")).toMatch(/Unknown expression identifier/);
    expect(await refused("SELEC 1")).toMatch(/Syntax error/);
    expect(await refused("SELECT * FROM spans")).toMatch(/leantrace\.spans/);
    // An error message that would carry a value of another project's row carries none.
    for (const query of [
      "SELECT toUInt8((SELECT any(span_name) FROM leantrace.spans WHERE span_name LIKE 'execute_tool beta%')) AS x",
      "SELECT toUInt8((SELECT arrayStringConcat(groupArray(span_name)) FROM leantrace.spans)) AS x",
      "SELECT throwIf(1, (SELECT any(explanation) FROM leantrace.findings)) AS x",
    ]) {
      const answer = await (await sql(query)).text();
      expect(answer, query).not.toContain(SECRET);
      expect(answer, query).not.toContain("team-b");
    }
    // A's own values may show in A's errors: the engine's message is kept.
    expect(await refused("SELECT toUInt8(span_name) FROM leantrace.spans WHERE kind = 'llm'")).toMatch(
      /Cannot parse string 'chat'/,
    );
    expect(await refused("SELECT throwIf(count() > 0, 'stop') FROM leantrace.spans")).toMatch(/stop/);
    // Deep nesting stops at the parser's depth; a very long query at the body's limit.
    expect(await refused(`SELECT ${"(".repeat(5000)}1${")".repeat(5000)}`)).toMatch(/depth/);
    expect(await refused(`SELECT '${"x".repeat(SQL_LIMITS.maxQueryChars)}'`)).toMatch(/query/);
  });

  it("cuts a large result at the row limit and says so", async () => {
    const result = await rows(
      "SELECT a.span_id, b.span_id, c.span_id, d.span_id, e.span_id, f.span_id FROM leantrace.spans AS a, leantrace.spans AS b, leantrace.spans AS c, leantrace.spans AS d, leantrace.spans AS e, leantrace.spans AS f",
    );
    expect(result.rows).toHaveLength(SQL_LIMITS.maxRows);
    expect(result.truncated).toBe(true);
    const exact = await rows("SELECT a.span_id FROM leantrace.spans AS a LIMIT 5");
    expect(exact.truncated).toBe(false);
  });

  it("stops a query at its time limit with 408, and leaves the engine clean for the next query", async () => {
    await expect(
      runSqlQuery(store, "team-b", "SELECT sleep(2), span_name FROM leantrace.spans", {
        ...SQL_LIMITS,
        maxExecutionSeconds: 1,
      }),
    ).rejects.toSatisfy((error) => error instanceof SqlQueryError && error.status === 408);
    // A query of B failing at run time, then A's: nothing of B's comes with A's answer.
    expect(
      (await sql(`SELECT throwIf(span_name LIKE '%beta%', span_name) FROM leantrace.spans`, keyB)).status,
    ).toBe(400);
    const after = await rows("SELECT span_name FROM leantrace.spans");
    expect(after.text).not.toContain(SECRET);
    const report = await call("/api/v1/report", keyA);
    expect(report.status).toBe(200);
    expect(await report.text()).not.toContain("beta");
  });

  it("wants the key, JSON, and a query", async () => {
    expect((await call("/api/v1/sql", undefined, { method: "POST", body: "{}" })).status).toBe(401);
    const form = await call("/api/v1/sql", keyA, {
      method: "POST",
      body: "query=SELECT+1",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect((await post("/api/v1/sql", keyA, "not json")).status).toBe(400);
    expect((await post("/api/v1/sql", keyA, "{}")).status).toBe(400);
    expect(
      (await post("/api/v1/sql", keyA, JSON.stringify({ query: "SELECT 1", format: "xml" }))).status,
    ).toBe(400);
  });

  it("answers every example query", async () => {
    for (const example of EXAMPLE_QUERIES) {
      const result = await rows(example.sql);
      expect(result.columns.length, example.name).toBeGreaterThan(0);
    }
  });

  it("knows every table of the database: a new one is refused until it is decided on", async () => {
    const tables = await store.select<{ name: string; project: number }>(
      `SELECT name, countIf(c.name = 'project') AS project
       FROM system.tables AS t LEFT JOIN system.columns AS c ON c.database = t.database AND c.table = t.name
       WHERE t.database = {db:String} GROUP BY t.name AS name ORDER BY name`,
    );
    const known = new Set<string>([...SQL_TABLES, ...SQL_HIDDEN_TABLES]);
    expect(tables.filter((t) => !known.has(t.name))).toEqual([]);
    // Each readable table has the column the filter confines.
    for (const t of tables) {
      if ((SQL_TABLES as readonly string[]).includes(t.name)) expect(t.project, t.name).toBe(1);
    }
  });
});
