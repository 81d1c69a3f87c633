// The one way leantrace reaches ClickHouse: @clickhouse/client, over HTTP to a server or
// in-process to chDB through its Connection.

import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { type ClickHouseClient, ClickHouseError, createClient } from "@clickhouse/client";
import { createChdbConnection } from "chdb/connection";
import { resolveStoreConfig, type StoreConfig, type StoreOptions } from "./config.ts";
import { applyRetention, migrate } from "./migrations.ts";
import type { OutcomeRow, SpanRow } from "./rows.ts";

/** How a write ended. A retryable write may succeed when tried again after `delayMillis`. */
export type WriteResult =
  | { status: "ok" }
  | { status: "failed"; error: Error }
  | { status: "retryable"; error: Error; delayMillis: number };

export interface Store {
  readonly config: StoreConfig;
  /** The database holding the tables; SQL reaches it as `{db:Identifier}`. */
  readonly database: string;
  readonly client: ClickHouseClient;
  insertSpans(rows: readonly SpanRow[]): Promise<WriteResult>;
  insertOutcomes(rows: readonly OutcomeRow[]): Promise<WriteResult>;
  /** Runs a SELECT with named parameters (the database is `db`) and returns its rows. */
  select<T>(query: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, INSERT ... SELECT), with named parameters. */
  command(query: string, params?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

const RETRY_DELAY_MILLIS = 1000;

/** ClickHouse's own errors carry a numeric code; chDB's come from another copy of the class. */
function isClickHouseError(error: unknown): boolean {
  if (error instanceof ClickHouseError) return true;
  const { code, type } = error as { code?: unknown; type?: unknown };
  return typeof code === "string" && /^\d+$/.test(code) && typeof type === "string";
}

/**
 * ClickHouse errors that say "not now" rather than "never": too many parts, memory, timeouts,
 * too many queries, a read-only replica, a network fault between nodes.
 */
const RETRYABLE_CODES = new Set(["159", "202", "209", "210", "241", "242", "252", "319", "999"]);

// Server errors about the data or the query will fail again, except the "not now" ones;
// anything else (a refused connection, a timeout, an overloaded server) may pass later.
function classify(error: unknown): WriteResult {
  const err = error instanceof Error ? error : new Error(String(error));
  if (isClickHouseError(error) && !RETRYABLE_CODES.has(String((error as { code?: unknown }).code))) {
    return { status: "failed", error: err };
  }
  return { status: "retryable", error: err, delayMillis: RETRY_DELAY_MILLIS };
}

type ClickHouseConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;

async function connect(config: StoreConfig): Promise<ClickHouseClient> {
  // Numbers come back as JSON numbers from both engines, so rows parse the same way.
  const clickhouse_settings = { output_format_json_quote_64bit_integers: 0 } as const;
  if (config.engine === "server") {
    return createClient({
      url: config.url,
      username: config.username,
      password: config.password,
      clickhouse_settings,
    });
  }
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  // chdb types its Connection against @clickhouse/client-common, which @clickhouse/client
  // inlines under its own path: the same interface, two declarations.
  const connection = createChdbConnection({ path: dataDir }) as unknown as ClickHouseConnection;
  return createClient({ connection, clickhouse_settings });
}

/** Connects, brings the schema up to date and returns the store. */
export async function openStore(options: StoreOptions = {}): Promise<Store> {
  const config = resolveStoreConfig(options);
  const client = await connect(config);
  const database = config.database;
  try {
    await migrate(client, database);
    await applyRetention(client, database, config.retention);
  } catch (error) {
    await client.close();
    throw error;
  }
  const insert = async (table: string, rows: readonly object[]): Promise<WriteResult> => {
    if (rows.length === 0) return { status: "ok" };
    try {
      await client.insert({ table: `${database}.${table}`, values: rows as object[], format: "JSONEachRow" });
      return { status: "ok" };
    } catch (error) {
      return classify(error);
    }
  };
  return {
    config,
    database,
    client,
    insertSpans: (rows) => insert("spans", rows),
    insertOutcomes: (rows) => insert("outcomes", rows),
    select: async <T>(query: string, params: Record<string, unknown> = {}) => {
      const result = await client.query({
        query,
        query_params: { db: database, ...params },
        format: "JSONEachRow",
      });
      return result.json<T>();
    },
    command: async (query: string, params: Record<string, unknown> = {}) => {
      await client.command({ query, query_params: { db: database, ...params } });
    },
    close: () => client.close(),
  };
}
