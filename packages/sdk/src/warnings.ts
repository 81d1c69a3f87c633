// The SDK's own warnings: through the diag logger when one is registered, else to stderr, and at
// most one line per interval for a trouble that repeats (failed exports, an unreachable
// collector asked for a team's budget). Only `@opentelemetry/api` here: the wrappers load this.
import { diag } from "@opentelemetry/api";

/** At most one warning line about the same trouble in this long. */
export const WARNING_INTERVAL_MILLIS = 30_000;

/**
 * Whether anyone registered an OpenTelemetry diag logger: the API keeps it in its global
 * registry (major version 1, the peer range) and offers no getter.
 */
function diagLoggerRegistered(): boolean {
  const registry = (globalThis as Record<symbol, unknown>)[Symbol.for("opentelemetry.js.api.1")];
  return (
    typeof registry === "object" && registry !== null && (registry as { diag?: unknown }).diag !== undefined
  );
}

/**
 * The SDK's own warnings go through the diag logger when one is registered (at the level it was
 * given), and straight to stderr otherwise, so that they are seen without one. The SDK installs
 * no logger itself: a library that set a global logger would change what the agent's own
 * OpenTelemetry code logs, and a logger set after it would print an override warning.
 */
export function warn(line: string): void {
  if (diagLoggerRegistered()) diag.warn(line);
  else console.warn(line);
}

/** Whether a warning may be told now: once, then again only after the interval. */
export class WarningThrottle {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMillis = WARNING_INTERVAL_MILLIS) {}

  due(): boolean {
    return Date.now() - this.last >= this.intervalMillis;
  }

  told(): void {
    this.last = Date.now();
  }
}

/** A warning told at most once per interval; the lines in between are dropped. */
export function throttledWarning(write: (line: string) => void): (line: string) => void {
  const throttle = new WarningThrottle();
  return (line) => {
    if (!throttle.due()) return;
    throttle.told();
    write(line);
  };
}
