import { type Health, healthSchema } from "@leantrace/collector";
import type { Command } from "commander";
import { apiUrl, requestJson, withEndpoint } from "../http.ts";

const MIB = 1024 * 1024;

/** The collector's health as a person reads it: what is wrong first, then the figures. */
export function formatHealth(health: Health, endpoint: string): string {
  const lines = [`collector ${endpoint}: ${health.status}`];
  for (const problem of health.problems) lines.push(`  ! ${problem}`);
  const { log, deadLetters } = health;
  lines.push(
    `  storage:      ${health.storage}`,
    `  log:          ${(log.pendingBytes / MIB).toFixed(1)} of ${(log.capacityBytes / MIB).toFixed(0)} MiB waiting for storage` +
      (log.pendingBytes > 0 ? `, the oldest for ${log.oldestPendingSeconds} s` : "") +
      ` (${log.dir})`,
    `  dead letters: ${deadLetters.rows === 0 ? "none" : `${deadLetters.rows} row(s) in ${deadLetters.file}`}` +
      (deadLetters.latestReason === null ? "" : `; latest reason: ${deadLetters.latestReason}`),
  );
  return lines.join("\n");
}

export function statusCommand(program: Command): void {
  withEndpoint(program.command("status"))
    .description("is the collector storing what it accepts? (exit 1 when it is degraded)")
    .option("--json", "print JSON for scripts")
    .action(async (flags: { endpoint: string; json?: boolean }) => {
      const health = await requestJson(apiUrl(flags.endpoint, "health"), healthSchema);
      console.log(flags.json ? JSON.stringify(health) : formatHealth(health, flags.endpoint));
      if (health.status !== "ok") process.exitCode = 1;
    });
}
