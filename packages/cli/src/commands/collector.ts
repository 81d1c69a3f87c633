import { startCollector } from "@leantrace/collector";
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
      ),
  ).action(async (flags: Record<string, string | undefined>) => {
    const port = integerOption("--port", flags.port, 0, 65535);
    const maxBodyBytes = integerOption("--max-body-bytes", flags.maxBodyBytes, 1024, 1024 ** 3);
    let collector: Awaited<ReturnType<typeof startCollector>>;
    try {
      collector = await startCollector({
        host: flags.host ?? "127.0.0.1",
        port,
        maxBodyBytes,
        storage: storageOptions(flags),
      });
    } catch (error) {
      throw new CliError(`the collector could not start: ${(error as Error).message}`);
    }
    const storage =
      flags.clickhouseUrl ?? process.env.CLICKHOUSE_URL ?? `embedded ClickHouse in ${flags.data}`;
    console.log(`leantrace collector listening on ${collector.url} (storage: ${storage})`);
    await new Promise<void>((resolve) => {
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
  });
}
