// One read-only SQL query from a platform team, run by the collector against its own store and
// confined to the caller's project, whatever the SQL says.
//
// The text the user sent never reaches the engine as a statement: ClickHouse's own parser
// (`formatQuery`, given the text as a query parameter) turns it into one canonical statement or
// refuses it, and only that canonical text is explained and run. Five checks stand between the
// text and the rows, each able to refuse on its own:
//   1. the parser: one statement, and a SELECT (or WITH ... SELECT);
//   2. its syntax tree (`EXPLAIN AST`, which only parses): no SETTINGS anywhere (a subquery's
//      SETTINGS override the query's, even read-only), no FORMAT or INTO OUTFILE, no table
//      functions, no functions that read files, dictionaries, other tables or the network, no
//      table but leantrace's data tables and views;
//   3. the engine's resolution (`EXPLAIN QUERY TREE`, run with the limits below): every table
//      read, CTEs and views resolved, is one of those;
//   4. while it runs: `readonly`, time, memory, thread and result limits, and
//      `additional_table_filters` adding `project = '<caller's>'` to every read of every data
//      table, views' underlying tables included (the engine applies them inside views);
//   5. the answer is read as rows of the shape the engine described, nothing else.
// Stage 2 comes before anything is resolved because resolving evaluates constant scalar
// subqueries: an error message could otherwise carry a value from a table refused later.

import { type Store, sqlString } from "@leantrace/storage";
import { z } from "zod";

/** Tables and views a query may read: each has a `project` column the filter confines. */
export const SQL_TABLES = [
  "spans",
  "outcomes",
  "runs",
  "findings",
  "current_findings",
  "run_analysis",
  "analysis_passes",
  // Metering and budgets (migration 0008); a filter naming a table not yet created is ignored.
  "usage_daily",
  "budgets",
  "budget_alerts",
  // Per-run summaries behind the `runs` view (migration 0009).
  "run_summary",
  "runs_touched",
  // The runs whose summary is out of date, and why (migration 0010).
  "runs_out_of_date",
  "runs_with_new_spans",
  "runs_with_old_and_new_spans",
  "runs_with_new_analysis_or_outcome",
] as const;

/**
 * Tables of the database a query may never read (keys, the schema's history, a pass's working
 * tables); they are refused by name, and filtered to nothing as well should a check miss one.
 */
export const SQL_HIDDEN_TABLES = [
  "api_keys",
  "schema_migrations",
  "analysis_batch",
  "analysis_runs",
  "finding_candidates",
  "meter_watermark",
  "run_summary_watermark",
];

export const SQL_LIMITS = {
  /** Characters of SQL text. */
  maxQueryChars: 100_000,
  /** Rows returned; more is cut and said (`truncated`). */
  maxRows: 10_000,
  /** Bytes of result the engine produces before it stops (`truncated`). */
  maxResultBytes: 32 * 1024 * 1024,
  maxExecutionSeconds: 10,
  maxMemoryBytes: 1024 * 1024 * 1024,
  /** The collector's own ingest and analysis share the engine. */
  maxThreads: 4,
} as const;

export type SqlLimits = { [K in keyof typeof SQL_LIMITS]: number };

export const SQL_FORMATS = ["json", "csv"] as const;

export const sqlRequestSchema = z.object({
  query: z.string().min(1).max(SQL_LIMITS.maxQueryChars),
  /** @default "json" */
  format: z.enum(SQL_FORMATS).optional(),
});
export type SqlRequest = z.infer<typeof sqlRequestSchema>;

export const sqlResultSchema = z.object({
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  /** One array per row, values in the order of `columns`. */
  rows: z.array(z.array(z.unknown())),
  /** Rows the engine read, when it says. */
  rowsRead: z.number().optional(),
  elapsedMs: z.number(),
  /** More rows (or bytes) than the limits allow: `rows` holds the first ones. */
  truncated: z.boolean(),
});
export type SqlResult = z.infer<typeof sqlResultSchema>;

/** A query refused or failed for a reason the caller can act on; the message is a sentence. */
export class SqlQueryError extends Error {
  override readonly name = "SqlQueryError";
  constructor(
    message: string,
    /** 400: the query is not allowed or failed; 408: it ran out of time. */
    readonly status: 400 | 408,
  ) {
    super(message);
  }
}

const refuse = (message: string): never => {
  throw new SqlQueryError(message, 400);
};

/**
 * Functions (compared lower-cased) that read outside the tables a query names: files, the
 * network (AI functions), dictionaries and Join tables by name, server settings and
 * configuration, another table's metadata, Keeper, the process's memory; and internal ones.
 */
const DENIED_FUNCTIONS = new Set(
  [
    "file",
    "joinGet",
    "joinGetOrNull",
    "hasColumnInTable",
    "getMaxTableNameLengthForDatabase",
    "getServerSetting",
    "getMergeTreeSetting",
    "getMacro",
    "getClientHTTPHeader",
    "showCertificate",
    "catboostEvaluate",
    "generateSerialID",
    "globalVariable",
    "zookeeperSessionUptime",
    "filesystemAvailable",
    "filesystemCapacity",
    "filesystemUnreserved",
    "aiClassify",
    "aiEmbed",
    "aiExtract",
    "aiGenerate",
    "aiTranslate",
    "addressToLine",
    "addressToLineWithInlines",
    "addressToSymbol",
    "demangle",
    "logTrace",
    "tid",
  ].map((name) => name.toLowerCase()),
);
const DENIED_PREFIXES = ["dict", "__"];

/** Operators whose right side may name a table (`x IN api_keys`). */
const IN_FUNCTIONS = new Set(
  ["in", "notIn", "globalIn", "globalNotIn", "nullIn", "notNullIn", "globalNullIn", "globalNotNullIn"].map(
    (name) => name.toLowerCase(),
  ),
);

const NAME = "[A-Za-z_][A-Za-z0-9_]*";
// `db.table`, its alias, FINAL: as EXPLAIN AST prints them.
const TABLE_IDENTIFIER = new RegExp(
  `^(?:(${NAME})\\.)?(${NAME})(?:, final: 1)?(?: \\(alias ${NAME}\\))?(?:, final: 1)?$`,
);

interface AstNode {
  kind: string;
  detail: string;
  children: AstNode[];
}

/** `EXPLAIN AST` lines (one space of indent per level) as a tree. */
function parseAst(lines: readonly string[]): AstNode {
  const root: AstNode = { kind: "", detail: "", children: [] };
  const stack: { depth: number; node: AstNode }[] = [{ depth: -1, node: root }];
  for (const line of lines) {
    const depth = line.length - line.trimStart().length;
    const text = line.trim().replace(/ \(children \d+\)$/, "");
    const space = text.indexOf(" ");
    const node: AstNode = {
      kind: space < 0 ? text : text.slice(0, space),
      detail: space < 0 ? "" : text.slice(space + 1),
      children: [],
    };
    while ((stack.at(-1)?.depth ?? -1) >= depth) stack.pop();
    stack.at(-1)?.node.children.push(node);
    stack.push({ depth, node });
  }
  return root;
}

function* walk(node: AstNode): Generator<AstNode> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

const functionName = (node: AstNode) => node.detail.replace(/ \(alias [^)]*\)$/, "");

/** Checks the syntax tree; returns the unqualified table names it reads, to be checked against the database. */
function checkAst(ast: AstNode, database: string): string[] {
  const top = ast.children;
  if (top.length !== 1 || top[0]?.kind !== "SelectWithUnionQuery") {
    refuse("only a single SELECT (or WITH ... SELECT) may run");
  }
  // FORMAT and INTO OUTFILE are further children of the outermost query.
  if ((top[0]?.children.length ?? 0) !== 1) {
    refuse("FORMAT and INTO OUTFILE are not allowed: choose the format with the request's `format`");
  }
  const unqualified: string[] = [];
  for (const node of walk(ast)) {
    if (node.kind === "Set") refuse("SETTINGS are not allowed: the collector sets the query's limits");
    if (node.kind === "TableExpression") {
      const tableFunction = node.children.find((child) => child.kind === "Function");
      if (tableFunction !== undefined) {
        refuse(
          `table functions are not allowed (${functionName(tableFunction)}): read leantrace's tables, e.g. ${database}.spans`,
        );
      }
    }
    if (node.kind === "TableIdentifier") {
      const match = TABLE_IDENTIFIER.exec(node.detail);
      if (match === null) refuse(`table ${node.detail} cannot be read: ${allowedTables(database)}`);
      const [, db, table] = match as RegExpExecArray;
      if (db !== undefined) {
        if (db !== database || !(SQL_TABLES as readonly string[]).includes(table as string)) {
          refuse(`table ${db}.${table} cannot be read: ${allowedTables(database)}`);
        }
      } else if (!(SQL_TABLES as readonly string[]).includes(table as string)) {
        unqualified.push(table as string);
      }
    }
    if (node.kind === "Function") {
      const name = functionName(node).toLowerCase();
      if (DENIED_FUNCTIONS.has(name) || DENIED_PREFIXES.some((prefix) => name.startsWith(prefix))) {
        refuse(`function ${functionName(node)} is not allowed: it reads outside leantrace's tables`);
      }
      if (IN_FUNCTIONS.has(name) && node.children[0]?.children[1]?.kind === "Identifier") {
        refuse("IN with a table or column name is not allowed: write IN (SELECT ... FROM table)");
      }
    }
  }
  return unqualified;
}

const allowedTables = (database: string) =>
  `only ${SQL_TABLES.map((t) => `${database}.${t}`).join(", ")} may be read`;

const PROJECT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The SETTINGS clause every statement built from the user's query carries. */
function settingsClause(database: string, project: string, limits: SqlLimits): string {
  // Project names are checked when keys are created; checked again because they go into SQL text.
  if (!PROJECT.test(project)) throw new Error(`project ${JSON.stringify(project)} is not a valid name`);
  const filters = [
    ...SQL_TABLES.map(
      (table) => `${sqlString(`${database}.${table}`)}: ${sqlString(`project = '${project}'`)}`,
    ),
    ...SQL_HIDDEN_TABLES.map((table) => `${sqlString(`${database}.${table}`)}: '0'`),
  ];
  return [
    "readonly = 1",
    "allow_ddl = 0",
    "allow_introspection_functions = 0",
    "use_query_cache = 0",
    `max_execution_time = ${limits.maxExecutionSeconds}`,
    "timeout_overflow_mode = 'throw'",
    `max_memory_usage = ${limits.maxMemoryBytes}`,
    `max_threads = ${limits.maxThreads}`,
    `max_result_bytes = ${limits.maxResultBytes}`,
    "result_overflow_mode = 'break'",
    // Result blocks of this many rows: the byte limit stops within one of them.
    "max_block_size = 1024",
    // Exact integers: 64-bit values beyond 2^53 arrive as strings and are made numbers only when safe.
    "output_format_json_quote_64bit_integers = 1",
    `additional_table_filters = {${filters.join(", ")}}`,
  ].join(", ");
}

const ROW = "__leantrace_row";

/**
 * The query as it runs: its rows are numbered as they come and sorted back into that order, so
 * that the engine produces no output before the query has finished. (chDB keeps what a failing
 * query had written and hands it to the next query on the session: nothing may be written
 * before a failure.) One row more than the limit says whether it was cut.
 */
function wrapped(canonical: string, limits: SqlLimits): string {
  return `SELECT * EXCEPT (${ROW}) FROM (SELECT *, rowNumberInAllBlocks() AS ${ROW} FROM (\n${canonical}\n) LIMIT ${limits.maxRows + 1}) ORDER BY ${ROW}`;
}

/** ClickHouse's code for an error, if it is one of its errors. */
function errorCode(error: unknown): string | undefined {
  const { code, clickhouseCode } = error as { code?: unknown; clickhouseCode?: unknown };
  if (typeof code === "string" && /^\d+$/.test(code)) return code;
  return typeof clickhouseCode === "number" ? String(clickhouseCode) : undefined;
}

/** The engine's message for the caller: no stack, no trace of the statements wrapped around theirs. */
function engineMessage(error: Error): string {
  let message = error.message.split(/\n|Stack trace/)[0] ?? "";
  const scope = message.search(/[.:]? ?:? In scope /);
  if (scope >= 0 && /__leantrace_row|formatQuery\(|additional_table_filters/.test(message.slice(scope))) {
    message = message.slice(0, scope);
  }
  message = message.replace(/\s*\(version [^)]*\)\s*$/, "").trim();
  return message.length > 2000 ? `${message.slice(0, 2000)}...` : message;
}

/** Runs `step`; an engine error becomes a SqlQueryError with the engine's message. */
async function engine<T>(step: () => Promise<T>, limits: SqlLimits): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined || !(error instanceof Error)) throw error;
    const message = engineMessage(error);
    if (code === "159") {
      throw new SqlQueryError(
        `the query ran longer than ${limits.maxExecutionSeconds} s and was stopped: read fewer rows (a narrower WHERE on start_time or run_id), or aggregate (${message})`,
        408,
      );
    }
    if (code === "241") {
      throw new SqlQueryError(
        `the query needed more than ${Math.round(limits.maxMemoryBytes / 1024 / 1024)} MiB of memory and was stopped: aggregate, or select fewer columns (${message})`,
        400,
      );
    }
    throw new SqlQueryError(`the query failed: ${message}`, 400);
  }
}

async function execText(
  store: Store,
  query: string,
  format: "JSONEachRow" | "JSONCompactEachRow",
  maxBytes: number,
) {
  // A server sends its summary (rows read) complete only once the query has ended.
  const result = await store.client.exec({
    query,
    clickhouse_settings: { default_format: format, wait_end_of_query: 1 },
  });
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of result.stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > maxBytes) {
      result.stream.destroy();
      throw new Error(`the engine's answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString("utf8"), rowsRead: result.summary?.read_rows };
}

/** Lines of JSON values; anything else means the answer is not this query's. */
function jsonLines(text: string): unknown[] {
  const lines = text.split("\n").filter((line) => line !== "");
  try {
    return lines.map((line) => JSON.parse(line) as unknown);
  } catch {
    throw new Error("the engine answered with rows that are not this query's: run it again");
  }
}

/** Top-level 64-bit integer columns, which the engine sends as strings to keep them exact. */
const INT64 = /^(?:Nullable\()?U?Int64\)?$/;

function typedRow(row: unknown[], int64: readonly boolean[]): unknown[] {
  return row.map((value, i) => {
    if (!int64[i] || typeof value !== "string") return value;
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  });
}

/** Validates, confines and runs one read-only query for `project`. */
export async function runSqlQuery(
  store: Store,
  project: string,
  query: string,
  limits: SqlLimits = SQL_LIMITS,
): Promise<SqlResult> {
  if (query.length > limits.maxQueryChars)
    refuse(`the query is longer than ${limits.maxQueryChars} characters`);
  if (query.includes("\0")) refuse("the query contains a NUL character");
  const { database } = store;
  const [formatted] = await engine(
    () => store.select<{ q: string }>("SELECT formatQuery({query:String}) AS q", { query }),
    limits,
  );
  const canonical = formatted?.q ?? "";
  // The formatter writes keywords in capitals: anything else is not a SELECT.
  if (!/^(?:SELECT|WITH|\()\s/.test(canonical)) refuse("only a single SELECT (or WITH ... SELECT) may run");

  const ast = await engine(
    () => execText(store, `EXPLAIN AST ${canonical}`, "JSONEachRow", 16 * 1024 * 1024),
    limits,
  );
  const astLines = jsonLines(ast.text).map((row) => (row as { explain?: unknown }).explain);
  if (!astLines.every((line): line is string => typeof line === "string")) {
    throw new Error("EXPLAIN AST answered in an unexpected shape");
  }
  const unqualified = checkAst(parseAst(astLines), database);
  if (unqualified.length > 0) {
    // A name without a database is a CTE, or a table of the connection's database: not those.
    const tables = await store.select<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}",
      { names: [...new Set(unqualified)] },
    );
    if (tables.length > 0) refuse(`table ${tables[0]?.name} cannot be read: ${allowedTables(database)}`);
  }

  const settings = settingsClause(database, project, limits);
  const statement = wrapped(canonical, limits);
  const tree = await engine(
    () =>
      execText(
        store,
        `EXPLAIN QUERY TREE ${statement} SETTINGS ${settings}`,
        "JSONEachRow",
        64 * 1024 * 1024,
      ),
    limits,
  );
  // A SELECT without FROM reads system.one, one row holding 0.
  const allowed = new Set([...SQL_TABLES.map((table) => `${database}.${table}`), "system.one"]);
  for (const row of jsonLines(tree.text)) {
    const line = String((row as { explain?: unknown }).explain ?? "");
    if (/\bTABLE_FUNCTION\b/.test(line)) refuse("table functions are not allowed");
    const table = /\btable_name: (.*?)(?:, final: 1)?$/.exec(line)?.[1];
    if (table !== undefined && !allowed.has(table)) {
      refuse(`table ${table} cannot be read: ${allowedTables(database)}`);
    }
  }

  const columns = await engine(
    () =>
      store.select<{ name: string; type: string }>(
        // Inside the parentheses the settings are the subquery's: they apply while it is described.
        `DESCRIBE TABLE (${statement} SETTINGS ${settings})`,
      ),
    limits,
  );
  const int64 = columns.map((column) => INT64.test(column.type));

  const started = performance.now();
  const answer = await engine(
    () =>
      execText(store, `${statement} SETTINGS ${settings}`, "JSONCompactEachRow", limits.maxResultBytes * 4),
    limits,
  ).catch(async (error: unknown) => {
    // Whatever a failed query left in the embedded engine's buffer goes to the next query: ours.
    if (store.config.engine === "embedded") await store.select("SELECT 1").catch(() => undefined);
    throw error;
  });
  const elapsedMs = Math.round(performance.now() - started);
  const rows = jsonLines(answer.text);
  if (!rows.every((row): row is unknown[] => Array.isArray(row) && row.length === columns.length)) {
    throw new Error("the engine answered with rows that are not this query's: run it again");
  }
  const truncated = rows.length > limits.maxRows || answer.text.length >= limits.maxResultBytes;
  // chDB's summary counts the rows of the answer, not those read: only a server's is kept.
  const rowsRead = store.config.engine === "server" ? Number(answer.rowsRead) : Number.NaN;
  return {
    columns: columns.map(({ name, type }) => ({ name, type })),
    rows: rows.slice(0, limits.maxRows).map((row) => typedRow(row, int64)),
    ...(Number.isFinite(rowsRead) ? { rowsRead } : {}),
    elapsedMs,
    truncated,
  };
}
