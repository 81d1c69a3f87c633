// Who is calling: an API key names a project, and every row written and every query run for
// the request is confined to it. Keys are required when the collector listens beyond loopback,
// and whenever any key exists; otherwise everything belongs to the `default` project.
//
// The valid keys' hashes are held in memory and read again every few seconds: a request never
// costs a query (an unknown key is refused at once, however many an attacker tries), ingest
// goes on while storage is down, and a revoked key stops working within the refresh.
//
// The dashboard's pages take the key from a cookie set by its key form (`POST /login`): HttpOnly
// and SameSite=Strict, so no script reads it and no other site's page sends it.

import { loginPage, sendPage } from "@leantrace/dashboard";
import { activeApiKeys, DEFAULT_PROJECT, hashApiKey, type Store } from "@leantrace/storage";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";

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
    if (isPublic(c.req.method, c.req.path)) return next();
    const { byHash, any } = await current();
    if (!required && !any) {
      c.set("project", DEFAULT_PROJECT);
      if (c.req.path === "/login") return c.redirect("/", 303);
      return next();
    }
    if (c.req.path === "/login" && c.req.method === "POST") return login(c, byHash);
    const key =
      /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? getCookie(c, KEY_COOKIE);
    const project = key === undefined ? undefined : byHash.get(hashApiKey(key));
    if (project !== undefined) {
      c.set("project", project);
      return next();
    }
    if (isPage(c.req.method, c.req.path)) {
      // A person at the dashboard: ask for the key, then come back here.
      const problem = key === undefined ? undefined : "That key is not valid (or was revoked).";
      return sendPage(c, loginPage(problem, nextPath(c.req.url)), 401);
    }
    if (key === undefined) {
      return c.json({ error: { message: "an API key is required: send Authorization: Bearer <key>" } }, 401);
    }
    return c.json({ error: { message: "the API key is not valid" } }, 401);
  };
}

/** The dashboard's cookie: the key a person typed, for this site only, never readable by scripts. */
export const KEY_COOKIE = "leantrace_key";
const COOKIE_DAYS = 7;

/** Health and the dashboard's static files and key form need no key. */
const isPublic = (method: string, path: string) =>
  path === "/health" || path.startsWith("/assets/") || (path === "/login" && method === "GET");

/** A dashboard page rather than the API or OTLP ingest. */
const isPage = (method: string, path: string) =>
  method === "GET" && !path.startsWith("/api/") && !path.startsWith("/v1/");

/** Where to go after the key is given: a path on this site, never another origin. */
function nextPath(url: string): string {
  const { pathname, search } = new URL(url);
  return pathname === "/login" ? "/" : `${pathname}${search}`;
}

const safeNext = (value: unknown) =>
  typeof value === "string" && value.startsWith("/") && !value.startsWith("//") && !value.includes("\\")
    ? value
    : "/";

async function login(c: Context, byHash: Map<string, string>): Promise<Response> {
  // Another site's form must not log a person in with its own key.
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== "null" && origin !== new URL(c.req.url).origin) {
    return c.json(
      { error: { message: "the key form is only accepted from this collector's own pages" } },
      403,
    );
  }
  const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const key = typeof form.key === "string" ? form.key.trim() : "";
  const next = safeNext(form.next);
  if (key === "" || !byHash.has(hashApiKey(key))) {
    return sendPage(c, loginPage("That key is not valid (or was revoked).", next), 401);
  }
  setCookie(c, KEY_COOKIE, key, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure: new URL(c.req.url).protocol === "https:",
    maxAge: COOKIE_DAYS * 86_400,
  });
  return c.redirect(next, 303);
}
