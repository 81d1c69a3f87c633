// Where the CI gate's runs come from: OTLP/JSON files analyzed in-process (@leantrace/pipeline),
// or a collector's API with a selection.
import { stat } from "node:fs/promises";
import { firstIssue } from "@leantrace/conventions";
import type { RunSource } from "@leantrace/gate";
import { analyzeOtlpFiles, OtlpFileError, type SelectedRuns, topFindings } from "@leantrace/pipeline";
import { loadPriceTable } from "@leantrace/pricing";
import {
  findingsSchema,
  type RunTotalsFilter,
  runTotalsFilterSchema,
  runTotalsSchema,
} from "@leantrace/reports";
import type { Command } from "commander";
import { apiUrl, CliError, DEFAULT_ENDPOINT, requestJson } from "../http.ts";

export interface SourceFlags {
  fromOtlp?: string;
  endpoint?: string;
  select?: string[];
  prices?: string;
}

/** The flags every gate command takes to name its runs. */
export function withSourceFlags(command: Command): Command {
  return command
    .option("--from-otlp <path>", "OTLP/JSON file or folder (the SDK's file exporter), analyzed in-process")
    .option("--endpoint <url>", `a collector to read the runs from, e.g. ${DEFAULT_ENDPOINT}`)
    .option(
      "--select <condition>",
      "only the runs with ci_run_id=ID, version=V, since=TIME, until=TIME or workflow=NAME (repeatable)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option("--prices <file>", "with --from-otlp: JSON file of model prices");
}

const SELECT_KEYS: Record<string, keyof RunTotalsFilter> = {
  ci_run_id: "ciRunId",
  "leantrace.ci.run_id": "ciRunId",
  version: "version",
  "service.version": "version",
  since: "since",
  until: "until",
  workflow: "workflow",
};

/** `--select ci_run_id=123 --select since=2026-11-01T00:00:00Z` → a filter. */
export function parseSelection(expressions: readonly string[]): RunTotalsFilter {
  const selection: Record<string, string> = {};
  for (const expression of expressions) {
    const at = expression.indexOf("=");
    const key = at < 0 ? undefined : SELECT_KEYS[expression.slice(0, at)];
    if (key === undefined) {
      throw new CliError(
        `--select ${JSON.stringify(expression)} is not valid: expected ci_run_id=ID, version=V, since=TIME, until=TIME or workflow=NAME`,
        2,
      );
    }
    selection[key] = expression.slice(at + 1);
  }
  const parsed = runTotalsFilterSchema.safeParse(selection);
  if (!parsed.success) {
    const { where, message } = firstIssue(parsed.error, "selection");
    throw new CliError(`--select ${where}: ${message} (times are ISO 8601, e.g. 2026-11-24T00:00:00Z)`, 2);
  }
  return parsed.data;
}

/** What is at `path`; undefined when nothing is (or it cannot be read). */
const statOf = (path: string) => stat(path).catch(() => undefined);

async function fromOtlp(path: string, filter: RunTotalsFilter, pricesFile?: string): Promise<SelectedRuns> {
  try {
    return await analyzeOtlpFiles(path, filter, loadPriceTable(pricesFile));
  } catch (error) {
    if (error instanceof OtlpFileError) {
      // Nothing there at all: most often the suite did not write where the check reads.
      const hint =
        (await statOf(path)) !== undefined
          ? ""
          : `: did the eval suite run with LEANTRACE_EXPORT_TO=file:${path.replace(/\/+$/, "")}?`;
      throw new CliError(`--from-otlp: ${error.message}${hint}`, 2);
    }
    throw error;
  }
}

async function fromEndpoint(endpoint: string, filter: RunTotalsFilter): Promise<SelectedRuns> {
  const { runs } = await requestJson(apiUrl(endpoint, "api/v1/runs", { ...filter }), runTotalsSchema);
  const findings = await requestJson(
    apiUrl(endpoint, "api/v1/findings", { workflow: filter.workflow, limit: "100000" }),
    findingsSchema,
  );
  return { runs, findings: topFindings(findings, new Set(runs.map((r) => r.runId))) };
}

/** The runs, and where they were read from (for the sentence when there are none). */
export async function currentRuns(flags: SourceFlags): Promise<SelectedRuns & { source: RunSource }> {
  const selection = flags.select ?? [];
  const filter = parseSelection(selection);
  if (flags.fromOtlp !== undefined && flags.endpoint !== undefined) {
    throw new CliError("give --from-otlp PATH or --endpoint URL, not both", 2);
  }
  if (flags.fromOtlp !== undefined) {
    const path = flags.fromOtlp;
    const selected = await fromOtlp(path, filter, flags.prices);
    return {
      ...selected,
      source: { kind: "files", path, folder: (await statOf(path))?.isDirectory() ?? false, selection },
    };
  }
  if (flags.endpoint !== undefined) {
    const selected = await fromEndpoint(flags.endpoint, filter);
    return { ...selected, source: { kind: "collector", endpoint: flags.endpoint, selection } };
  }
  throw new CliError(
    "say where the runs are: --from-otlp PATH (OTLP/JSON files) or --endpoint URL (a collector)",
    2,
  );
}
