import type { StoreOptions } from "@leantrace/storage";
import { type Command, Option } from "commander";
import { CliError } from "../http.ts";

/** The storage flags shared by every command that opens a store itself. */
export function withStorageFlags(command: Command): Command {
  return command
    .option("--data <dir>", "embedded ClickHouse data directory (default: ./leantrace-data)")
    .option("--clickhouse-url <url>", "ClickHouse server URL instead of the embedded engine (CLICKHOUSE_URL)")
    .option("--clickhouse-user <user>", "ClickHouse user (CLICKHOUSE_USER)")
    .option("--clickhouse-password <password>", "ClickHouse password (CLICKHOUSE_PASSWORD)")
    .option("--clickhouse-database <name>", "database for leantrace's tables (CLICKHOUSE_DATABASE)");
}

export function storageOptions(flags: Record<string, string | undefined>): StoreOptions {
  const options: StoreOptions = {};
  if (flags.data !== undefined) options.dataDir = flags.data;
  if (flags.clickhouseUrl !== undefined) options.url = flags.clickhouseUrl;
  if (flags.clickhouseUser !== undefined) options.username = flags.clickhouseUser;
  if (flags.clickhousePassword !== undefined) options.password = flags.clickhousePassword;
  if (flags.clickhouseDatabase !== undefined) options.database = flags.clickhouseDatabase;
  return options;
}

export function integerOption(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min || n > max) {
    throw new CliError(
      `${name} ${JSON.stringify(value)} is not valid: expected a whole number from ${min} to ${max}`,
      2,
    );
  }
  return n;
}

/** `--since` / `--until`: checked by the collector, which says what it takes. */
export function withTimeWindow(command: Command): Command {
  return command
    .option(
      "--since <time>",
      "only runs that started from then: an ISO 8601 time or a duration before now (24h, 7d)",
    )
    .option(
      "--until <time>",
      "only runs that started before then: an ISO 8601 time or a duration before now",
    );
}

/** `--json` for scripts, `--csv` for spreadsheets; tables for people otherwise. */
export function withOutputFormat(command: Command): Command {
  return command
    .addOption(new Option("--json", "print JSON for scripts").conflicts("csv"))
    .addOption(new Option("--csv", "print CSV for spreadsheets"));
}
