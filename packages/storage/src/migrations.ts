// Versioned schema migrations, applied in order at start. Each file in ../migrations is one
// version; applied versions are recorded in `schema_migrations` and never run twice.
import { readdir, readFile } from "node:fs/promises";
import type { ClickHouseClient } from "@clickhouse/client";
import { StorageError } from "./config.ts";

const MIGRATIONS_DIR = new URL("../migrations/", import.meta.url);
const FILE_NAME = /^(\d{4})-([a-z0-9-]+)\.sql$/;

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** Splits a migration file on lines holding only ";" and drops comment-only pieces. */
export function parseMigration(version: number, name: string, text: string): Migration {
  const statements = text
    .split(/^;\s*$/m)
    .map((piece) =>
      piece
        .split("\n")
        .filter((line) => !line.trim().startsWith("--"))
        .join("\n")
        .trim(),
    )
    .filter((statement) => statement !== "");
  return { version, name, statements };
}

export async function loadMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => FILE_NAME.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const [, version, name] = FILE_NAME.exec(file) as RegExpExecArray;
      return parseMigration(
        Number(version),
        name as string,
        await readFile(new URL(file, MIGRATIONS_DIR), "utf8"),
      );
    }),
  );
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Applies the migrations not yet applied; returns the versions it applied. The database name
 * is written into the statements (a view's body cannot take query parameters); it is checked
 * to be a plain identifier first.
 */
export async function migrate(client: ClickHouseClient, database: string): Promise<number[]> {
  if (!IDENTIFIER.test(database)) {
    throw new StorageError(
      "INVALID_DATABASE",
      `database name ${JSON.stringify(database)} is not a plain identifier`,
    );
  }
  const params = { db: database };
  await client.command({ query: "CREATE DATABASE IF NOT EXISTS {db:Identifier}", query_params: params });
  await client.command({
    query: `CREATE TABLE IF NOT EXISTS {db:Identifier}.schema_migrations
      (version UInt32, name String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = MergeTree ORDER BY version`,
    query_params: params,
  });
  const result = await client.query({
    query: "SELECT version FROM {db:Identifier}.schema_migrations",
    query_params: params,
    format: "JSONEachRow",
  });
  const applied = new Set((await result.json<{ version: number }>()).map((row) => Number(row.version)));
  const done: number[] = [];
  for (const migration of await loadMigrations()) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements) {
      try {
        await client.command({ query: statement.replaceAll("{db:Identifier}", `\`${database}\``) });
      } catch (cause) {
        throw new StorageError(
          "MIGRATION_FAILED",
          `migration ${migration.version} (${migration.name}) failed: ${(cause as Error).message}`,
          { cause },
        );
      }
    }
    await client.insert({
      table: `${database}.schema_migrations`,
      values: [{ version: migration.version, name: migration.name }],
      format: "JSONEachRow",
    });
    done.push(migration.version);
  }
  return done;
}

/**
 * Which column each table's retention counts from, and which retention applies. Spans count
 * from their arrival, not their start: a replay of old runs or a client whose clock is wrong
 * must not see its spans expire as they are written.
 */
const RETENTION: readonly [table: string, column: string, kind: "spansDays" | "findingsDays"][] = [
  ["spans", "ingested_at", "spansDays"],
  ["outcomes", "received_at", "spansDays"],
  // A run's summary goes when its newest span does.
  ["run_summary", "last_ingested_at", "spansDays"],
  ["findings", "created_at", "findingsDays"],
  ["run_analysis", "analyzed_at", "findingsDays"],
  ["analysis_passes", "finished_at", "findingsDays"],
];

/**
 * Sets each table's TTL from the configured retention. Only metadata changes: existing parts
 * are not rewritten now, ClickHouse drops expired rows as it merges.
 */
export async function applyRetention(
  client: ClickHouseClient,
  database: string,
  retention: { spansDays: number; findingsDays: number },
): Promise<void> {
  for (const [table, column, kind] of RETENTION) {
    await client.command({
      query: `ALTER TABLE {db:Identifier}.${table} MODIFY TTL toDateTime(${column}) + toIntervalDay(${retention[kind]})`,
      query_params: { db: database },
      clickhouse_settings: { materialize_ttl_after_modify: 0 },
    });
  }
}
