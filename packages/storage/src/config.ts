// Where leantrace keeps its data: an embedded chDB directory (the default) or a ClickHouse server.

/** Public options: all optional, resolved once by `resolveStoreConfig`. */
export interface StoreOptions {
  /**
   * ClickHouse server URL (http or https). When set, the embedded engine is not used.
   * @default `CLICKHOUSE_URL`, else none: embedded chDB
   */
  url?: string;
  /** @default `CLICKHOUSE_USER`, else `default` */
  username?: string;
  /** @default `CLICKHOUSE_PASSWORD`, else empty */
  password?: string;
  /**
   * Database holding leantrace's tables; created when missing.
   * @default `CLICKHOUSE_DATABASE`, else `leantrace`
   */
  database?: string;
  /** Embedded chDB data directory (one per process). @default `./leantrace-data` */
  dataDir?: string;
  /** How long data is kept, as ClickHouse TTLs applied at start. */
  retention?: RetentionOptions;
}

export interface RetentionOptions {
  /** Raw spans and late outcomes, counted from their arrival. @default 30 */
  spansDays?: number;
  /** Findings, per-run analyses and analysis passes. @default 400 */
  findingsDays?: number;
}

export type StoreConfig = (
  | { engine: "embedded"; dataDir: string; database: string }
  | { engine: "server"; url: string; username: string; password: string; database: string }
) & { retention: Required<RetentionOptions> };

/** Storage errors carry a machine-readable code, the offending value and a cause. */
export class StorageError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageError";
    this.code = code;
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function resolveStoreConfig(
  options: StoreOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): StoreConfig {
  const database = options.database ?? env.CLICKHOUSE_DATABASE ?? "leantrace";
  if (!IDENTIFIER.test(database)) {
    throw new StorageError(
      "INVALID_DATABASE",
      `database name ${JSON.stringify(database)} is not valid: expected letters, digits and underscores, starting with a letter`,
    );
  }
  const retention = {
    spansDays: options.retention?.spansDays ?? 30,
    findingsDays: options.retention?.findingsDays ?? 400,
  };
  for (const [name, days] of Object.entries(retention)) {
    if (!Number.isInteger(days) || days < 1 || days > 36_500) {
      throw new StorageError(
        "INVALID_RETENTION",
        `retention ${name} ${days} is not valid: expected whole days from 1 to 36500`,
      );
    }
  }
  const url = options.url ?? env.CLICKHOUSE_URL;
  if (url !== undefined && url !== "") {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (cause) {
      throw new StorageError("INVALID_URL", `ClickHouse URL ${JSON.stringify(url)} is not a URL`, { cause });
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new StorageError(
        "INVALID_URL",
        `ClickHouse URL ${JSON.stringify(url)} has protocol ${parsed.protocol}: expected http: or https:`,
      );
    }
    return {
      retention,
      engine: "server",
      url,
      username: options.username ?? env.CLICKHOUSE_USER ?? "default",
      password: options.password ?? env.CLICKHOUSE_PASSWORD ?? "",
      database,
    };
  }
  return { retention, engine: "embedded", dataDir: options.dataDir ?? "./leantrace-data", database };
}
