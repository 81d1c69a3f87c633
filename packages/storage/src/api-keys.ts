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

/**
 * Every valid key's hash with its project (small enough to hold, so that no request costs a
 * query), and whether any key was ever created: revoking the last key must not turn keys off.
 */
export async function activeApiKeys(store: Store): Promise<{ valid: Map<string, string>; any: boolean }> {
  const rows = await store.select<{ key_hash: string; project: string; revoked: number }>(
    "SELECT key_hash, project, revoked FROM {db:Identifier}.api_keys FINAL",
  );
  return {
    valid: new Map(rows.filter((r) => r.revoked === 0).map((r) => [r.key_hash, r.project])),
    any: rows.length > 0,
  };
}

/** A key as an operator sees it: never the key, only the start of its hash, to name it by. */
export interface ApiKeyInfo {
  id: string;
  project: string;
  /** When the key was created, or revoked. */
  changedAt: string;
  revoked: boolean;
}

/** How many hex characters of a key's hash name it in `keys list` and `keys revoke`. */
export const KEY_ID_CHARS = 12;

export async function listApiKeys(store: Store): Promise<ApiKeyInfo[]> {
  const rows = await store.select<{ key_hash: string; project: string; created_at: string; revoked: number }>(
    "SELECT key_hash, project, toString(created_at) AS created_at, revoked FROM {db:Identifier}.api_keys FINAL ORDER BY project, created_at",
  );
  return rows.map((r) => ({
    id: r.key_hash.slice(0, KEY_ID_CHARS),
    project: r.project,
    changedAt: r.created_at,
    revoked: r.revoked === 1,
  }));
}

/**
 * Revokes the key whose id (the start of its hash, as `keys list` shows) is `id`; returns its
 * project. A running collector stops accepting it within its key refresh (10 s).
 */
export async function revokeApiKey(store: Store, id: string): Promise<string> {
  if (!/^[0-9a-f]{6,64}$/.test(id)) {
    throw new StorageError(
      "INVALID_KEY_ID",
      `key id ${JSON.stringify(id)} is not valid: give the id \`leantrace keys list\` shows`,
    );
  }
  const rows = await store.select<{ key_hash: string; project: string }>(
    "SELECT key_hash, project FROM {db:Identifier}.api_keys FINAL WHERE startsWith(key_hash, {id:String}) AND revoked = 0",
    { id },
  );
  if (rows.length !== 1) {
    throw new StorageError(
      "UNKNOWN_KEY_ID",
      rows.length === 0
        ? `no valid key has the id ${id}: \`leantrace keys list\` shows them`
        : `${rows.length} keys start with ${id}: give more of the id`,
    );
  }
  const [row] = rows as [{ key_hash: string; project: string }];
  // A newer row replaces the key's (ReplacingMergeTree on created_at).
  await store.command(
    "INSERT INTO {db:Identifier}.api_keys (key_hash, project, created_at, revoked) VALUES ({hash:String}, {project:String}, now64(3), 1)",
    { hash: row.key_hash, project: row.project },
  );
  return row.project;
}
