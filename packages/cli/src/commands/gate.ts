import { appendFile, readFile, writeFile } from "node:fs/promises";
import {
  BaselineError,
  buildBaseline,
  check,
  formatCheck,
  formatCheckMarkdown,
  noRunsFound,
  parseBaseline,
  parseShare,
  ShareError,
  type ShareRange,
} from "@leantrace/gate";
import type { Command } from "commander";
import { CliError } from "../http.ts";
import { currentRuns, type SourceFlags, withSourceFlags } from "./current-runs.ts";
import { integerOption } from "./options.ts";

/** "10%" or "0.1" → 0.1; anything else is a usage error (exit 2) with a sentence. */
function shareOption(name: string, value: string, range: ShareRange): number {
  try {
    return parseShare(value, name, range);
  } catch (error) {
    if (error instanceof ShareError) throw new CliError(error.message, 2);
    throw error;
  }
}

export function baselineCommand(program: Command): void {
  const baseline = program.command("baseline").description("record the runs a CI check compares against");
  withSourceFlags(
    baseline
      .command("save")
      .description("write a baseline file from runs (commit it in your repository)")
      .requiredOption("--out <file>", "where to write the baseline JSON"),
  ).action(async (flags: SourceFlags & { out: string }) => {
    const { runs, source } = await currentRuns(flags);
    if (runs.length === 0) {
      const { found, hint } = noRunsFound(source, "runs");
      throw new CliError(`${found}, so the baseline would be empty: ${hint}`, 2);
    }
    const file = buildBaseline(runs, process.env.GITHUB_SHA ?? process.env.LEANTRACE_COMMIT ?? null);
    await writeFile(flags.out, `${JSON.stringify(file, null, 2)}\n`);
    const summary = file.workflows.map((w) => `${w.workflow} (${w.runs.length} runs)`).join(", ");
    console.log(`Baseline written to ${flags.out}: ${summary}.`);
  });
}

interface CheckFlags extends SourceFlags {
  baseline: string;
  threshold: string;
  confidence: string;
  minRuns: string;
  seed: string;
  json?: boolean;
}

export function checkCommand(program: Command): void {
  withSourceFlags(
    program
      .command("check")
      .description("fail when tokens per successful outcome regressed against the baseline, beyond noise")
      .requiredOption("--baseline <file>", "a baseline written by `leantrace baseline save`")
      .option("--threshold <share>", "the regression that matters: 10% or 0.1 (a bare 10 is refused)", "10%")
      .option("--confidence <level>", "confidence of the bootstrap interval: 95% or 0.95", "0.95")
      .option("--min-runs <n>", "fewer runs on either side: warn instead of deciding", "10")
      .option("--seed <n>", "seed of the bootstrap", "1")
      .option("--json", "print JSON for scripts"),
  ).action(async (flags: CheckFlags) => {
    const options = {
      threshold: shareOption("--threshold", flags.threshold, { min: 0, max: 10 }),
      confidence: shareOption("--confidence", flags.confidence, { min: 0.5, max: 0.9999 }),
      minRuns: integerOption("--min-runs", flags.minRuns, 1, 1_000_000),
      seed: integerOption("--seed", flags.seed, 0, 2 ** 31),
    };
    let text: string;
    try {
      text = await readFile(flags.baseline, "utf8");
    } catch (error) {
      throw new CliError(
        `baseline ${flags.baseline} cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`,
        2,
      );
    }
    let baseline: ReturnType<typeof parseBaseline>;
    try {
      baseline = parseBaseline(text, flags.baseline);
    } catch (error) {
      if (error instanceof BaselineError) throw new CliError(error.message, 2);
      throw error;
    }
    const current = await currentRuns(flags);
    // No current runs (an empty folder, a selection that matches nothing) fails: see `problem`.
    const result = check(baseline, current.runs, { ...options, source: current.source });
    console.log(flags.json ? JSON.stringify(result) : formatCheck(result));
    if (flags.json && result.problem !== null) console.error(`leantrace: ${result.problem}`);
    const summaryFile = process.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) await appendFile(summaryFile, formatCheckMarkdown(result, current.findings));
    if (result.verdict === "fail") process.exitCode = 1;
  });
}
