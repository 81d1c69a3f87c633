// The CLI reads through the collector's HTTP API: a second process must never open the
// collector's embedded data directory.
import { PENDING_BYTES_HEADER } from "@leantrace/conventions";
import type { Command } from "commander";
import type { z } from "zod";

export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    /** 1: the work failed; 2: the command was used wrongly or given bad input. */
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export const DEFAULT_ENDPOINT = "http://127.0.0.1:4318";

/** The collector commands talk to: `--endpoint`, else `LEANTRACE_ENDPOINT`, else the local default. */
export function withEndpoint(command: Command): Command {
  return command.option(
    "--endpoint <url>",
    `the collector's address (default: LEANTRACE_ENDPOINT, else ${DEFAULT_ENDPOINT})`,
    process.env.LEANTRACE_ENDPOINT || DEFAULT_ENDPOINT,
  );
}

export function apiUrl(endpoint: string, path: string, query: Record<string, string | undefined> = {}): URL {
  let url: URL;
  try {
    url = new URL(path, endpoint.endsWith("/") ? endpoint : `${endpoint}/`);
  } catch {
    throw new CliError(`--endpoint ${JSON.stringify(endpoint)} is not a URL, e.g. ${DEFAULT_ENDPOINT}`, 2);
  }
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return url;
}

let warnedPending = false;

/** Calls the collector's API and checks the answer's shape; a GET unless `init` says otherwise. */
export async function requestJson<T>(url: URL, schema: z.ZodType<T>, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    // The key names the project: a collector that requires keys answers 401 without one.
    const key = process.env.LEANTRACE_API_KEY;
    const headers = new Headers(init?.headers);
    if (key) headers.set("authorization", `Bearer ${key}`);
    response = await fetch(url, { ...init, headers });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(
      `cannot reach the collector at ${url.origin} (${cause}): is \`leantrace collector\` running?`,
    );
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CliError(
      `the collector at ${url.origin} answered ${response.status} with a body that is not JSON`,
    );
  }
  if (!response.ok) {
    const message = (body as { error?: { message?: string } }).error?.message ?? text;
    throw new CliError(
      `the collector answered ${response.status}: ${message}`,
      response.status < 500 ? 2 : 1,
    );
  }
  const pending = response.headers.get(PENDING_BYTES_HEADER);
  if (pending !== null && !warnedPending) {
    // On stderr, so that --json output stays parseable; once, though a command reads twice.
    warnedPending = true;
    console.error(
      `leantrace: ${pending} bytes the collector accepted were not in storage yet when it answered: these figures may leave them out; run the command again shortly`,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new CliError(
      `the collector at ${url.origin} answered in an unexpected shape: ${parsed.error.message}`,
    );
  }
  return parsed.data;
}
