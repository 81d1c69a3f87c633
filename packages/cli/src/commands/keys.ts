import {
  createApiKey,
  listApiKeys,
  openStore,
  revokeApiKey,
  StorageError,
  type Store,
} from "@leantrace/storage";
import type { Command } from "commander";
import { CliError } from "../http.ts";
import { storageOptions, withStorageFlags } from "./options.ts";

/** Opens the store the flags name (an embedded one only while no collector has it), runs `work`, closes. */
async function withStore<T>(
  flags: Record<string, string | undefined>,
  work: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(storageOptions(flags)).catch((error: Error) => {
    throw new CliError(`the store could not be opened: ${error.message}`);
  });
  try {
    return await work(store);
  } catch (error) {
    if (error instanceof StorageError) throw new CliError(error.message, 2);
    throw error;
  } finally {
    await store.close();
  }
}

export function keysCommand(program: Command): void {
  const keys = program.command("keys").description("API keys: each names a project and sees only its data");
  withStorageFlags(
    keys
      .command("create")
      .description("create a key for a project and print it once (only its hash is stored)")
      .requiredOption("--project <name>", "the project the key writes to and reads from"),
  ).action(async (flags: Record<string, string | undefined>) => {
    const key = await withStore(flags, (store) => createApiKey(store, flags.project ?? ""));
    console.log(key);
    console.error(
      `API key for project ${flags.project}: shown once, keep it secret. Send it as "Authorization: Bearer <key>" ` +
        "(OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<key> for exporters, LEANTRACE_API_KEY for this CLI).",
    );
  });
  withStorageFlags(
    keys
      .command("list")
      .description("the keys there are: their ids (not the keys), projects, and whether revoked")
      .option("--json", "print JSON for scripts"),
  ).action(async (flags: Record<string, string | undefined>) => {
    const list = await withStore(flags, listApiKeys);
    if (flags.json) {
      console.log(JSON.stringify({ keys: list }));
      return;
    }
    if (list.length === 0) {
      console.log(
        "No API keys: the collector takes requests without one on loopback (`leantrace keys create`).",
      );
      return;
    }
    console.log(["id            project                          since                    state"].join("\n"));
    for (const k of list) {
      console.log(
        `${k.id}  ${k.project.padEnd(32)} ${k.changedAt.padEnd(24)} ${k.revoked ? "revoked" : "valid"}`,
      );
    }
  });
  withStorageFlags(
    keys
      .command("revoke")
      .description("revoke a key by the id `keys list` shows; a running collector refuses it within 10 s")
      .argument("<id>", "the key's id (the start of its hash)"),
  ).action(async (id: string, flags: Record<string, string | undefined>) => {
    const project = await withStore(flags, (store) => revokeApiKey(store, id));
    console.log(`Revoked key ${id} of project ${project}.`);
  });
}
