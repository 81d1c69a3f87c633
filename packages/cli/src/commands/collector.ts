import { readFile } from "node:fs/promises";
import { type AnalyzerOptions, analyzerOptionsSchema } from "@leantrace/analyzers";
import { DEFAULT_INGEST_THREADS, startCollector } from "@leantrace/collector";
import { firstIssue } from "@leantrace/conventions";
import { loadPriceTable, type PriceTable } from "@leantrace/pricing";
import type { Command } from "commander";
import { CliError } from "../http.ts";
import { integerOption, storageOptions, withStorageFlags } from "./options.ts";

export function collectorCommand(program: Command): void {
  withStorageFlags(
    program
      .command("collector")
      .description("receive OTLP/HTTP traces and serve reports, storing into ClickHouse")
      .option("--host <host>", "address to listen on", "127.0.0.1")
      .option("--port <port>", "port to listen on (0: any free port)", "4318")
      .option(
        "--max-body-bytes <bytes>",
        "largest request body, after decompression",
        String(16 * 1024 * 1024),
      )
      .option("--analyze-interval-seconds <seconds>", "time between automatic analysis passes (0: off)", "30")
      .option("--idle-seconds <seconds>", "a run without an outcome is complete after this long idle", "300")
      .option("--analyzer-config <file>", "JSON file of analyzer thresholds")
      .option("--prices <file>", "JSON file of model prices, added over the shipped list prices")
      .option("--retention-spans-days <days>", "keep raw spans and outcomes this long after arrival", "30")
      .option("--retention-findings-days <days>", "keep findings and per-run analyses this long", "400")
      .option("--max-attribute-chars <n>", "longer attribute values are cut, with a marker", "65536")
      .option("--max-request-spans <n>", "most spans one request may carry (more: 413)", "50000")
      .option(
        "--ingest-threads <n>",
        "worker threads that decode and normalize requests (0: on the main thread)",
        String(DEFAULT_INGEST_THREADS),
      )
      .option(
        "--wal <dir>",
        "write-ahead log: where accepted rows wait until storage has them (default: <data>-wal)",
      )
      .option(
        "--wal-max-bytes <bytes>",
        "bytes accepted but not yet in storage the log may hold; past it the collector answers 503",
        String(1024 ** 3),
      ),
  ).action(async (flags: Record<string, string | undefined>) => {
    const port = integerOption("--port", flags.port, 0, 65535);
    const maxBodyBytes = integerOption("--max-body-bytes", flags.maxBodyBytes, 1024, 1024 ** 3);
    const interval = integerOption("--analyze-interval-seconds", flags.analyzeIntervalSeconds, 0, 86_400);
    const idle = integerOption("--idle-seconds", flags.idleSeconds, 0, 30 * 86_400);
    const thresholds =
      flags.analyzerConfig === undefined ? {} : await readAnalyzerConfig(flags.analyzerConfig);
    const prices = loadPrices(flags.prices);
    const maxAttributeChars = integerOption(
      "--max-attribute-chars",
      flags.maxAttributeChars,
      64,
      16 * 1024 * 1024,
    );
    const wal = {
      dir:
        flags.wal ??
        `${flags.clickhouseUrl === undefined ? (flags.data ?? "./leantrace-data") : "./leantrace"}-wal`,
      maxBytes: integerOption("--wal-max-bytes", flags.walMaxBytes, 1024 * 1024, 2 ** 50),
    };
    const maxRequestSpans = integerOption("--max-request-spans", flags.maxRequestSpans, 1, 10_000_000);
    const ingestThreads = integerOption("--ingest-threads", flags.ingestThreads, 0, 64);
    const retention = {
      spansDays: integerOption("--retention-spans-days", flags.retentionSpansDays, 1, 36_500),
      findingsDays: integerOption("--retention-findings-days", flags.retentionFindingsDays, 1, 36_500),
    };
    let collector: Awaited<ReturnType<typeof startCollector>>;
    try {
      collector = await startCollector({
        host: flags.host ?? "127.0.0.1",
        port,
        maxBodyBytes,
        prices,
        analysis: {
          ...thresholds,
          idleMillis: thresholds.idleMillis ?? idle * 1000,
          intervalMillis: interval * 1000,
        },
        maxAttributeChars,
        maxRequestSpans,
        ingestThreads,
        wal,
        storage: { ...storageOptions(flags), retention },
      });
    } catch (error) {
      throw new CliError(`the collector could not start: ${(error as Error).message}`);
    }
    const storage =
      flags.clickhouseUrl ?? process.env.CLICKHOUSE_URL ?? `embedded ClickHouse in ${flags.data}`;
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

function loadPrices(path: string | undefined): PriceTable {
  try {
    return loadPriceTable(path);
  } catch (error) {
    throw new CliError(`--prices: ${(error as Error).message}`, 2);
  }
}
