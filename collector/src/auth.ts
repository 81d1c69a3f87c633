// Who is calling: an API key names a project, and every row written and every query run for
// the request is confined to it. Keys are required when the collector listens beyond loopback,
// and whenever any key exists; otherwise everything belongs to the `default` project.
//
// The valid keys' hashes are held in memory and read again every few seconds: a request never
// costs a query (an unknown key is refused at once, however many an attacker tries), ingest
// goes on while storage is down, and a revoked key stops working within the refresh.
import { activeApiKeys, DEFAULT_PROJECT, hashApiKey, type Store } from "@leantrace/storage";
import type { MiddlewareHandler } from "hono";

const REFRESH_MILLIS = 10_000;

export type AuthEnv = { Variables: { project: string } };

export function authMiddleware(store: Store, required: boolean): MiddlewareHandler<AuthEnv> {
  let keys: { byHash: Map<string, string>; any: boolean; at: number } | undefined;
  let refreshing: Promise<void> | undefined;
  const refresh = () => {
    refreshing ??= activeApiKeys(store)
      .then(
        ({ valid, any }) => {
          keys = { byHash: valid, any, at: Date.now() };
        },
        (error: unknown) => {
          // Storage is down: the keys last read stay valid until it answers again.
          if (keys === undefined) throw error;
          keys.at = Date.now() - REFRESH_MILLIS / 2;
        },
      )
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };
  const current = async () => {
    if (keys === undefined) await refresh();
    else if (Date.now() - keys.at > REFRESH_MILLIS) void refresh().catch(() => undefined);
    return keys as { byHash: Map<string, string>; any: boolean };
  };
  return async (c, next) => {
    if (c.req.path === "/health") return next();
    const { byHash, any } = await current();
    if (!required && !any) {
      c.set("project", DEFAULT_PROJECT);
      return next();
    }
    const key = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (key === undefined) {
      return c.json({ error: { message: "an API key is required: send Authorization: Bearer <key>" } }, 401);
    }
    const project = byHash.get(hashApiKey(key));
    if (project === undefined) return c.json({ error: { message: "the API key is not valid" } }, 401);
    c.set("project", project);
    return next();
  };
}
