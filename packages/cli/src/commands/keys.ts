import { createApiKey, openStore } from "@leantrace/storage";
import type { Command } from "commander";
import { CliError } from "../http.ts";
import { storageOptions, withStorageFlags } from "./options.ts";

export function keysCommand(program: Command): void {
  const keys = program.command("keys").description("API keys: each names a project and sees only its data");
  withStorageFlags(
    keys
      .command("create")
      .description("create a key for a project and print it once (only its hash is stored)")
      .requiredOption("--project <name>", "the project the key writes to and reads from"),
  ).action(async (flags: Record<string, string | undefined>) => {
    // An embedded store is one process's: stop the collector that uses --data first.
    const store = await openStore(storageOptions(flags)).catch((error: Error) => {
      throw new CliError(`the store could not be opened: ${error.message}`);
    });
    try {
      const key = await createApiKey(store, flags.project ?? "").catch((error: Error) => {
        throw new CliError(error.message, 2);
      });
      console.log(key);
      console.error(
        `API key for project ${flags.project}: shown once, keep it secret. Send it as "Authorization: Bearer <key>" ` +
          "(OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<key> for exporters, LEANTRACE_API_KEY for this CLI).",
      );
    } finally {
      await store.close();
    }
  });
}
