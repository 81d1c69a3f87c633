// API keys: a key is shown once when created; only its SHA-256 is stored, with its project.
import { createHash, randomBytes } from "node:crypto";
import { StorageError } from "./config.ts";
import type { Store } from "./store.ts";

const PROJECT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function checkProjectName(project: string): void {
  if (!PROJECT.test(project)) {
    throw new StorageError(
      "INVALID_PROJECT",
      `project ${JSON.stringify(project)} is not valid: expected 1 to 64 letters, digits, '.', '_' or '-'`,
    );
  }
}

/** Creates a key for `project` and returns it: the only time it can be read. */
export async function createApiKey(store: Store, project: string): Promise<string> {
  checkProjectName(project);
  const key = `lt_${randomBytes(32).toString("base64url")}`;
  await store.command(
    "INSERT INTO {db:Identifier}.api_keys (key_hash, project) VALUES ({hash:String}, {project:String})",
    { hash: hashApiKey(key), project },
  );
  return key;
}

/** Every valid key's hash with its project: small enough to hold, so that no request costs a query. */
export async function activeApiKeys(store: Store): Promise<Map<string, string>> {
  const rows = await store.select<{ key_hash: string; project: string }>(
    "SELECT key_hash, project FROM {db:Identifier}.api_keys FINAL WHERE revoked = 0",
  );
  return new Map(rows.map((r) => [r.key_hash, r.project]));
}
