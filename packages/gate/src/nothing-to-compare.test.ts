// A gate that compared nothing must not pass: no current runs at all (an empty folder, a
// selection that matches nothing), or none of a baseline workflow, is a failure that says
// where it looked and what to check.
import { describe, expect, it } from "vitest";
import { buildBaseline } from "./baseline.ts";
import { check } from "./decide.ts";
import { formatCheck, formatCheckMarkdown } from "./format.ts";
import type { RunTotal } from "./runs.ts";
import { noRunsFound } from "./source.ts";

function runs(workflow: string, count: number, tokens = 1000): RunTotal[] {
  return Array.from({ length: count }, (_, i) => ({
    runId: `${workflow}-${tokens}-${i}`,
    workflow,
    outcome: "success",
    caseId: `case-${i % 10}`,
    tokens: tokens + (i % 7) * 10,
    cost: null,
    version: "",
    ciRunId: "",
  }));
}

const baseline = buildBaseline([...runs("triage", 20), ...runs("refund", 20)]);

describe("check with nothing to compare", () => {
  it("fails on zero current runs, every workflow with it", () => {
    const result = check(baseline, []);
    expect(result.verdict).toBe("fail");
    expect(result.problem).toBe("no current runs were found");
    expect(result.workflows.map((w) => w.verdict)).toEqual(["fail", "fail"]);
    expect(formatCheck(result)).toContain("Nothing was compared: the check fails.");
  });

  it("says which folder it read and how the suite should have written to it", () => {
    const source = { kind: "files", path: "leantrace-spans", folder: true, selection: [] } as const;
    const result = check(baseline, [], { source });
    expect(result.problem).toBe(
      "no current runs were found in leantrace-spans/: did the eval suite run with LEANTRACE_EXPORT_TO=file:leantrace-spans, and does it wrap each run in workflow()?",
    );
    const markdown = formatCheckMarkdown(result, new Map());
    expect(markdown).toContain("— FAIL");
    expect(markdown).toContain("no current runs were found in leantrace-spans/");
  });

  it("names the selection that matched nothing and what the suite must have set for it", () => {
    const source = {
      kind: "collector",
      endpoint: "http://127.0.0.1:4318",
      selection: ["ci_run_id=42", "since=2026-11-01T00:00:00Z"],
    } as const;
    expect(noRunsFound(source).sentence).toBe(
      "no current runs at http://127.0.0.1:4318 matched --select ci_run_id=42 --select since=2026-11-01T00:00:00Z: did the eval suite send its spans to http://127.0.0.1:4318 with LEANTRACE_CI_RUN_ID=42, and does the selection name its runs?",
    );
    expect(
      noRunsFound({ kind: "files", path: "spans/", folder: true, selection: ["version=1.2"] }, "runs").found,
    ).toBe("no runs in spans/ matched --select version=1.2");
  });

  it("fails when no current run belongs to a baseline workflow (a renamed workflow)", () => {
    const result = check(baseline, runs("triage-v2", 20));
    expect(result.verdict).toBe("fail");
    expect(result.problem).toMatch(
      /^none of the 20 current runs belongs to a workflow of the baseline \(baseline: refund, triage; current: triage-v2\)/,
    );
  });

  it("only warns when some baseline workflows have runs and others none", () => {
    const result = check(baseline, runs("triage", 20));
    expect(result.problem).toBeNull();
    expect(result.verdict).toBe("warn");
    expect(result.workflows.find((w) => w.workflow === "refund")?.reasons).toEqual([
      "no current runs of this workflow were found",
    ]);
  });
});

describe("the check's output says what it decided with", () => {
  it("in the table, the JSON and the job summary", () => {
    const result = check(baseline, [...runs("triage", 20), ...runs("refund", 20)], {
      threshold: 0.125,
      confidence: 0.9,
      minRuns: 5,
    });
    expect(result.verdict).toBe("pass");
    expect(result.settings).toEqual({
      threshold: 0.125,
      confidence: 0.9,
      minRuns: 5,
      iterations: 4000,
      seed: 1,
    });
    const said = "threshold +12.5%, 90% interval, at least 5 runs a side, seed 1";
    expect(formatCheck(result)).toContain(`No regression beyond noise. (${said})`);
    expect(formatCheckMarkdown(result, new Map())).toContain(`Decided with ${said}.`);
    expect(JSON.parse(JSON.stringify(result)).settings.threshold).toBe(0.125);
  });
});
