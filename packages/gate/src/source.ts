// Where the current runs were read from, for the sentence that says what to check when none
// were found there: a gate that compared nothing must not pass.

export type RunSource =
  /** OTLP/JSON files: `path` as given on the command line, `folder` when it is one. */
  | { kind: "files"; path: string; folder: boolean; selection: readonly string[] }
  | { kind: "collector"; endpoint: string; selection: readonly string[] };

/** What the suite must have been run with for a `--select` condition to match, if it says. */
function selectionHint(condition: string): string | null {
  const at = condition.indexOf("=");
  const key = condition.slice(0, at);
  const value = condition.slice(at + 1);
  if (key === "ci_run_id" || key === "leantrace.ci.run_id") return `LEANTRACE_CI_RUN_ID=${value}`;
  if (key === "version" || key === "service.version")
    return `OTEL_RESOURCE_ATTRIBUTES=service.version=${value}`;
  return null;
}

/**
 * The two halves of the sentence when no runs were found: where it looked
 * ("no current runs were found in leantrace-spans/") and what to check
 * ("did the eval suite run with LEANTRACE_EXPORT_TO=file:leantrace-spans?").
 */
export function noRunsFound(
  source: RunSource,
  what = "current runs",
): { found: string; hint: string; sentence: string } {
  const where =
    source.kind === "files"
      ? `in ${source.folder && !source.path.endsWith("/") ? `${source.path}/` : source.path}`
      : `at ${source.endpoint}`;
  const selected = source.selection.length > 0;
  const found = selected
    ? `no ${what} ${where} matched ${source.selection.map((s) => `--select ${s}`).join(" ")}`
    : `no ${what} were found ${where}`;
  const hints = source.selection.map(selectionHint).filter((h): h is string => h !== null);
  const sent =
    source.kind === "files"
      ? `run with ${[`LEANTRACE_EXPORT_TO=file:${source.folder ? source.path.replace(/\/+$/, "") : "DIR"}`, ...hints].join(" and ")}`
      : `send its spans to ${source.endpoint}${hints.length > 0 ? ` with ${hints.join(" and ")}` : ""}`;
  const hint = selected
    ? `did the eval suite ${sent}, and does the selection name its runs?`
    : `did the eval suite ${sent}, and does it wrap each run in workflow()?`;
  return { found, hint, sentence: `${found}: ${hint}` };
}
