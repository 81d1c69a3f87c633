// The one way leantrace reaches ClickHouse: @clickhouse/client, over HTTP to a server or
// in-process to chDB through its Connection.

import { constants } from "node:fs";
import { access, mkdir, open, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { type ClickHouseClient, ClickHouseError, createClient } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import { resolveStoreConfig, StorageError, type StoreConfig, type StoreOptions } from "./config.ts";
import { applyRetention, migrate } from "./migrations.ts";
import { encodeRows, type OutcomeRow, type SpanRow } from "./rows.ts";
import { sqlString } from "./sql-string.ts";

/** How a write ended; anything but `ok` wrote nothing (an insert is one block). */
export type WriteResult =
  | { status: "ok" }
  /** The rows themselves cannot be stored (a value the table refuses): they will fail again. */
  | { status: "rejected"; error: Error }
  /** Storage cannot take anything now (down, disk full, too many parts, read-only): try later. */
  | { status: "unavailable"; error: Error }
  /** Storage could not take this much at once (memory, time): fewer rows may pass. */
  | { status: "overloaded"; error: Error };

/** The tables written row by row. */
export type InsertTable = "spans" | "outcomes";

export interface Store {
  readonly config: StoreConfig;
  /** The database holding the tables; SQL reaches it as `{db:Identifier}`. */
  readonly database: string;
  readonly client: ClickHouseClient;
  insertSpans(rows: readonly SpanRow[]): Promise<WriteResult>;
  insertOutcomes(rows: readonly OutcomeRow[]): Promise<WriteResult>;
  /** Inserts rows already encoded as JSONEachRow (one JSON object a line), as they are. */
  insertEncoded(table: InsertTable, chunks: readonly Buffer[]): Promise<WriteResult>;
  /** Runs a SELECT with named parameters (the database is `db`) and returns its rows. */
  select<T>(query: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, INSERT ... SELECT), with named parameters. */
  command(query: string, params?: Record<string, unknown>): Promise<void>;
  /**
   * When the oldest write still under way through this store began (ms since the epoch), or
   * undefined when none is. Rows of a write carry `ingested_at` from about its start but are
   * seen only once it ends: a reader moving a watermark over them stays before this.
   */
  oldestWriteInFlight(): number | undefined;
  /**
   * Whether this store is the only writer of its data (the embedded engine: one process holds
   * its folder). Another writer's rows may appear late with earlier times, which only a margin
   * covers.
   */
  readonly soleWriter: boolean;
  /** Whether storage answers a query now. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * ClickHouse's own error code: clickhouse-js errors carry it as `code`, chDB's through the client
 * come from another copy of the class, chDB's native ones carry `clickhouseCode`.
 */
function clickHouseCode(error: unknown): string | undefined {
  if (error instanceof ClickHouseError) return error.code;
  const { code, type, clickhouseCode } = error as {
    code?: unknown;
    type?: unknown;
    clickhouseCode?: unknown;
  };
  if (typeof code === "string" && /^\d+$/.test(code) && typeof type === "string") return code;
  return typeof clickhouseCode === "number" ? String(clickhouseCode) : undefined;
}

/**
 * ClickHouse errors that say "not now" rather than "never": file errors a full or failing disk
 * raises, too many simultaneous queries, a network fault, a read-only replica, no disk space,
 * too many parts, an insert of unknown fate, a system error, ZooKeeper.
 */
const UNAVAILABLE_CODES = new Set([
  "74",
  "75",
  "76",
  "202",
  "209",
  "210",
  "242",
  "243",
  "252",
  "319",
  "425",
  "999",
]);
/** Errors a smaller insert may not meet: time and memory limits. */
const OVERLOADED_CODES = new Set(["159", "241"]);
const DISK_TROUBLE = /no space left|not enough space|ENOSPC|EDQUOT|errno: 28|input\/output error/i;

// Errors outside ClickHouse (a refused connection, a socket cut) and the "not now" ones may
// pass later; ClickHouse's other errors are about the rows or the query and will fail again.
function classify(error: unknown): Exclude<WriteResult, { status: "ok" }> {
  const err = error instanceof Error ? error : new Error(String(error));
  const code = clickHouseCode(error);
  if (code === undefined || DISK_TROUBLE.test(err.message)) return { status: "unavailable", error: err };
  if (UNAVAILABLE_CODES.has(code)) return { status: "unavailable", error: err };
  if (OVERLOADED_CODES.has(code)) return { status: "overloaded", error: err };
  return { status: "rejected", error: err };
}

/**
 * Every insert: a request spread over many months (a backfill) touches many partitions, and
 * ClickHouse refuses more than 100 in one block by default.
 */
const INSERT_SETTINGS = { max_partitions_per_insert_block: "0" };
const INSERT_SETTINGS_SQL = Object.entries(INSERT_SETTINGS)
  .map(([name, value]) => `${name} = ${value}`)
  .join(", ");

type ClickHouseConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;

interface Connected {
  client: ClickHouseClient;
  /**
   * The embedded engine's folder for rows on their way in: an insert writes them to a file there
   * and the engine reads it (`FROM INFILE`). Against rows inline in the statement (chDB's raw
   * insert) that takes a third less CPU and holds no copy of the rows in the engine's memory.
   */
  stagingDir?: string;
}

async function connect(config: StoreConfig): Promise<Connected> {
  // Numbers come back as JSON numbers from both engines, so rows parse the same way.
  const clickhouse_settings = { output_format_json_quote_64bit_integers: 0 } as const;
  if (config.engine === "server") {
    return {
      client: createClient({
        url: config.url,
        username: config.username,
        password: config.password,
        clickhouse_settings,
      }),
    };
  }
  const dataDir = resolve(config.dataDir);
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StorageError(
      "DATA_DIR_UNUSABLE",
      code === "EEXIST" || code === "ENOTDIR"
        ? `the data directory ${config.dataDir} is a file, not a folder: give --data a folder`
        : `the data directory ${config.dataDir} cannot be created or written (${code}): give --data a folder this user may write`,
      { cause: error },
    );
  }
  let chdb: ReturnType<typeof createChdbConnection>;
  try {
    chdb = createChdbConnection({ path: dataDir });
  } catch (error) {
    // The embedded engine locks its folder: another process (a collector) has it open.
    throw new StorageError(
      "DATA_DIR_LOCKED",
      `the data directory ${config.dataDir} is in use by another process, most likely a running collector: stop it, or go through its HTTP API (--endpoint)`,
      { cause: error },
    );
  }
  // chdb types its Connection against @clickhouse/client-common, which @clickhouse/client
  // inlines under its own path: the same interface, two declarations.
  const connection = chdb as unknown as ClickHouseConnection;
  // What a stopped process left staged was never acknowledged as stored: its rows are still in
  // the collector's log, which loads them again.
  const stagingDir = join(dataDir, STAGING_FOLDER);
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true });
  return { client: createClient({ connection, clickhouse_settings }), stagingDir };
}

/** Under the embedded engine's data directory, beside the engine's own folders. */
const STAGING_FOLDER = "leantrace-staging";

async function writeChunks(path: string, chunks: readonly Buffer[]): Promise<void> {
  const file = await open(path, "w");
  try {
    await file.writev(chunks as Buffer[]);
  } finally {
    await file.close();
  }
}

/** The writes under way, in the order they began (a Map keeps insertion order). */
class WritesInFlight {
  private readonly started = new Map<number, number>();
  private next = 0;

  async track<T>(write: () => Promise<T>): Promise<T> {
    const id = this.next++;
    this.started.set(id, Date.now());
    try {
      return await write();
    } finally {
      this.started.delete(id);
    }
  }

  oldest(): number | undefined {
    return this.started.values().next().value;
  }
}

/** Connects, brings the schema up to date and returns the store; `options` resolved or not. */
export async function openStore(options: StoreOptions | StoreConfig = {}): Promise<Store> {
  const config = "engine" in options ? options : resolveStoreConfig(options);
  const { client, stagingDir } = await connect(config);
  const database = config.database;
  try {
    await migrate(client, database);
    await applyRetention(client, database, config.retention);
  } catch (error) {
    await client.close();
    throw error;
  }
  const writes = new WritesInFlight();
  let staged = 0;
  const insertEncoded = async (table: InsertTable, chunks: readonly Buffer[]): Promise<WriteResult> => {
    if (chunks.length === 0) return { status: "ok" };
    const target = `${database}.${table}`;
    try {
      if (stagingDir !== undefined) {
        const path = join(stagingDir, `${staged++}.jsonl`);
        try {
          await writeChunks(path, chunks);
          await client.command({
            query: `INSERT INTO ${target} FROM INFILE ${sqlString(path)} SETTINGS ${INSERT_SETTINGS_SQL} FORMAT JSONEachRow`,
          });
        } finally {
          await rm(path, { force: true });
        }
        return { status: "ok" };
      }
      // exec, not insert: the rows are JSONEachRow text already and go as they are.
      const result = await client.exec({
        query: `INSERT INTO ${target} FORMAT JSONEachRow`,
        values: Readable.from(chunks),
        clickhouse_settings: INSERT_SETTINGS,
      });
      result.stream.resume();
      return { status: "ok" };
    } catch (error) {
      return classify(error);
    }
  };
  const insertRows = (table: InsertTable, rows: readonly object[]) =>
    insertEncoded(table, rows.length === 0 ? [] : [encodeRows(rows)]);
  return {
    config,
    database,
    client,
    insertSpans: (rows) => writes.track(() => insertRows("spans", rows)),
    insertOutcomes: (rows) => writes.track(() => insertRows("outcomes", rows)),
    insertEncoded: (table, chunks) => writes.track(() => insertEncoded(table, chunks)),
    select: async <T>(query: string, params: Record<string, unknown> = {}) => {
      const result = await client.query({
        query,
        query_params: { db: database, ...params },
        format: "JSONEachRow",
      });
      return result.json<T>();
    },
    command: (query: string, params: Record<string, unknown> = {}) =>
      writes.track(async () => {
        await client.command({ query, query_params: { db: database, ...params } });
      }),
    oldestWriteInFlight: () => writes.oldest(),
    soleWriter: config.engine === "embedded",
    ping: async () => (await client.ping()).success,
    close: () => client.close(),
  };
}
