import { readFile } from "node:fs/promises";
import { type AnalyzerOptions, analyzerOptionsSchema } from "@leantrace/analyzers";
import {
  CollectorConfigError,
  type CollectorOptions,
  COLLECTOR_DEFAULTS as D,
  resolveCollectorConfig,
  startCollector,
} from "@leantrace/collector";
import { firstIssue } from "@leantrace/conventions";
import { loadPriceTable, type PriceTable } from "@leantrace/pricing";
import type { Command } from "commander";
import { CliError } from "../http.ts";
import { storageOptions, withStorageFlags } from "./options.ts";

const MIB = 1024 * 1024;

/** The command's flags as they come; every default lives in resolveCollectorConfig. */
type CollectorFlags = Record<string, string | undefined> & {
  forwardHeader?: string[];
  forwardFindings?: boolean;
};

export function collectorCommand(program: Command): void {
  withStorageFlags(
    program
      .command("collector")
      .description("receive OTLP/HTTP traces and serve reports, storing into ClickHouse")
      .option("--host <host>", `address to listen on (default: ${D.host})`)
      .option("--port <port>", `port to listen on, 0 for any free one (default: ${D.port})`)
      .option(
        "--max-body-bytes <bytes>",
        `largest request body, after decompression (default: ${D.maxBodyBytes / MIB} MiB)`,
      )
      .option(
        "--max-request-spans <n>",
        `most spans one request may carry; more: 413 (default: ${D.maxRequestSpans})`,
      )
      .option(
        "--ingest-threads <n>",
        `worker threads that decode and normalize requests, 0 on the event loop (default: ${D.ingestThreads})`,
      )
      .option(
        "--analyze-interval-seconds <seconds>",
        `time between automatic analysis passes, 0 for none (default: ${D.analyzeIntervalSeconds})`,
      )
      .option(
        "--idle-seconds <seconds>",
        "a run without an outcome is complete after this long idle (default: 300)",
      )
      .option("--analyzer-config <file>", "JSON file of analyzer thresholds")
      .option("--prices <file>", "JSON file of model prices, added over the shipped list prices")
      .option(
        "--retention-spans-days <days>",
        "keep raw spans and outcomes this long after arrival (default: 30)",
      )
      .option(
        "--retention-findings-days <days>",
        "keep findings and per-run analyses this long (default: 400)",
      )
      .option(
        "--max-attribute-chars <n>",
        `longer attribute values are cut, with a marker (default: ${D.maxAttributeChars})`,
      )
      .option(
        "--wal <dir>",
        "write-ahead log: where accepted rows wait until storage has them (default: <data>-wal)",
      )
      .option("--forward-to <url>", "also send what is accepted, unchanged, to this OTLP/HTTP endpoint")
      .option(
        "--forward-header <name=value>",
        "a header for the forward target, e.g. authorization=Basic ... (repeatable)",
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option("--forward-findings", "also send each finding there, as a gen_ai.evaluation.result event")
      .option(
        "--forward-max-bytes <bytes>",
        `bytes that may wait to be forwarded; past it, dropped (default: ${D.forwardMaxBytes / MIB} MiB)`,
      )
      .option("--budget-webhook <url>", "POST an alert here when a team passes a budget's soft or hard limit")
      .option(
        "--budget-webhook-secret <secret>",
        "sign each alert with HMAC-SHA256 (default: LEANTRACE_BUDGET_WEBHOOK_SECRET)",
      )
      .option(
        "--wal-max-bytes <bytes>",
        `bytes accepted but not yet in storage the log may hold; past it, 503 (default: ${D.walMaxBytes / MIB} MiB)`,
      ),
  ).action(async (flags: CollectorFlags) => {
    const analyzer =
      flags.analyzerConfig === undefined ? undefined : await readAnalyzerConfig(flags.analyzerConfig);
    const options: CollectorOptions = {
      ...defined({
        host: flags.host,
        port: flags.port,
        maxBodyBytes: flags.maxBodyBytes,
        maxRequestSpans: flags.maxRequestSpans,
        ingestThreads: flags.ingestThreads,
        analyzeIntervalSeconds: flags.analyzeIntervalSeconds,
        idleSeconds: flags.idleSeconds,
        maxAttributeChars: flags.maxAttributeChars,
        wal: flags.wal,
        walMaxBytes: flags.walMaxBytes,
        retentionSpansDays: flags.retentionSpansDays,
        retentionFindingsDays: flags.retentionFindingsDays,
        forwardTo: flags.forwardTo,
        forwardMaxBytes: flags.forwardMaxBytes,
        budgetWebhook: flags.budgetWebhook,
        budgetWebhookSecret: flags.budgetWebhookSecret,
      }),
      ...(flags.forwardHeader === undefined ? {} : { forwardHeaders: flags.forwardHeader }),
      ...(flags.forwardFindings ? { forwardFindings: true } : {}),
      ...(analyzer === undefined ? {} : { analyzer }),
      ...(flags.prices === undefined ? {} : { prices: loadPrices(flags.prices) }),
      storage: storageOptions(flags),
    };
    let config: ReturnType<typeof resolveCollectorConfig>;
    try {
      config = resolveCollectorConfig(options);
    } catch (error) {
      if (error instanceof CollectorConfigError) throw new CliError(error.message, 2);
      throw error;
    }
    let collector: Awaited<ReturnType<typeof startCollector>>;
    try {
      collector = await startCollector(config);
    } catch (error) {
      throw new CliError(`the collector could not start: ${(error as Error).message}`);
    }
    const storage =
      config.storage.engine === "server"
        ? config.storage.url
        : `embedded ClickHouse in ${config.storage.dataDir}`;
    // Signal handlers first, then the line that says it listens: whoever reads that line may
    // stop the collector at once, and must find it ready to stop cleanly.
    const stopped = new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        console.log(`leantrace collector: ${signal}, writing what was accepted and stopping`);
        collector.stop().then(resolve, (error: unknown) => {
          console.error(`leantrace collector: stopping failed: ${(error as Error).message}`);
          process.exitCode = 1;
          resolve();
        });
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    console.log(`leantrace collector listening on ${collector.url} (storage: ${storage})`);
    await stopped;
  });
}

/** The flags that were given. */
function defined(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
}

async function readAnalyzerConfig(path: string): Promise<AnalyzerOptions> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new CliError(`--analyzer-config ${path} cannot be read as JSON: ${(error as Error).message}`, 2);
  }
  const parsed = analyzerOptionsSchema.strict().safeParse(json);
  if (!parsed.success) {
    const { where, message } = firstIssue(parsed.error, "file");
    throw new CliError(`--analyzer-config ${path}: ${where}: ${message}`, 2);
  }
  return parsed.data;
}

function loadPrices(path: string): PriceTable {
  try {
    return loadPriceTable(path);
  } catch (error) {
    throw new CliError(`--prices: ${(error as Error).message}`, 2);
  }
}
