import { Command, CommanderError } from "commander";
import manifest from "../package.json" with { type: "json" };
import { analyzeCommand } from "./commands/analyze.ts";
import { budgetsCommand, usageCommand } from "./commands/budgets.ts";
import { collectorCommand } from "./commands/collector.ts";
import { findingsCommand } from "./commands/findings.ts";
import { baselineCommand, checkCommand } from "./commands/gate.ts";
import { keysCommand } from "./commands/keys.ts";
import { reportCommand } from "./commands/report.ts";
import { sqlCommand } from "./commands/sql.ts";
import { statusCommand } from "./commands/status.ts";
import { CliError } from "./http.ts";

export function buildProgram(): Command {
  const program = new Command("leantrace")
    .description("where do our agents' tokens go, and what do we get for them?")
    .version(manifest.version, "-V, --version", "print the version")
    .exitOverride()
    .showHelpAfterError();
  collectorCommand(program);
  reportCommand(program);
  analyzeCommand(program);
  findingsCommand(program);
  sqlCommand(program);
  baselineCommand(program);
  checkCommand(program);
  budgetsCommand(program);
  usageCommand(program);
  keysCommand(program);
  statusCommand(program);
  return program;
}

/** Runs the CLI; returns the exit code: 0 done, 1 the work failed, 2 wrong usage or bad input. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    // A command that decided on a failure (a failed check) has set the exit code.
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message; help and version are not failures.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      console.error(`leantrace: ${error.message}`);
      return error.exitCode;
    }
    console.error(`leantrace: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
