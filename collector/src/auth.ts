// Who is calling: an API key names a project, and every row written and every query run for
// the request is confined to it. Keys are required when the collector listens beyond loopback,
// and whenever any key exists; otherwise everything belongs to the `default` project.
import { apiKeysExist, projectOfApiKey, type Store } from "@leantrace/storage";
import type { MiddlewareHandler } from "hono";
import { DEFAULT_PROJECT } from "./normalise/span-row.ts";

/** Key lookups are cached briefly: a request must not cost a query, a revoked key must not live long. */
const CACHE_MILLIS = 10_000;

export type AuthEnv = { Variables: { project: string } };

export function authMiddleware(store: Store, required: boolean): MiddlewareHandler<AuthEnv> {
  let keysExist: { value: boolean; at: number } | undefined;
  const projects = new Map<string, { project: string | undefined; at: number }>();
  const anyKeys = async () => {
    if (keysExist === undefined || Date.now() - keysExist.at > CACHE_MILLIS) {
      keysExist = { value: await apiKeysExist(store), at: Date.now() };
    }
    return keysExist.value;
  };
  const projectOf = async (key: string) => {
    const cached = projects.get(key);
    if (cached !== undefined && Date.now() - cached.at <= CACHE_MILLIS) return cached.project;
    const project = await projectOfApiKey(store, key);
    if (projects.size > 10_000) projects.clear();
    projects.set(key, { project, at: Date.now() });
    return project;
  };
  return async (c, next) => {
    if (c.req.path === "/health") return next();
    if (!required && !(await anyKeys())) {
      c.set("project", DEFAULT_PROJECT);
      return next();
    }
    const key = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (key === undefined) {
      return c.json({ error: { message: "an API key is required: send Authorization: Bearer <key>" } }, 401);
    }
    const project = await projectOf(key);
    if (project === undefined) return c.json({ error: { message: "the API key is not valid" } }, 401);
    c.set("project", project);
    return next();
  };
}
