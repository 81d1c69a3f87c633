// Precision and recall of each analyzer against the labelled workload. A (run, pattern) pair
// is the unit: an injected pattern found in its run is a true positive, a certain finding whose
// pattern was not injected in its run a false positive, an injected pattern not found a miss.
// A suggestion (off_path) is never counted as waste and says "if this run did not need it": one
// where nothing was injected is not a false positive (a near miss can take a rare step too).
import type { LabelledRun } from "./generator.ts";

export interface AnalyzerScore {
  analyzer: string;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

export function score(
  runs: readonly LabelledRun[],
  findings: readonly { runId: string; kind: string; pattern: string; confidence: string }[],
): AnalyzerScore[] {
  const found = new Map<string, Set<string>>();
  for (const f of findings) {
    const set = found.get(f.runId) ?? new Set<string>();
    set.add(`${f.kind}/${f.pattern}`);
    found.set(f.runId, set);
  }
  const analyzers = ["loop", "repeated_retrieval", "extraneous"];
  return analyzers.map((analyzer) => {
    let truePositives = 0;
    let falsePositives = 0;
    let falseNegatives = 0;
    for (const run of runs) {
      const expected = new Set(run.injected.filter((p) => p.startsWith(`${analyzer}/`)));
      const actual = [...(found.get(run.runId) ?? [])].filter((p) => p.startsWith(`${analyzer}/`));
      const suggestions = new Set(
        findings
          .filter((f) => f.runId === run.runId && f.confidence === "suggestion")
          .map((f) => `${f.kind}/${f.pattern}`),
      );
      for (const p of actual) {
        if (expected.has(p as never)) truePositives++;
        else if (!suggestions.has(p)) falsePositives++;
      }
      for (const p of expected) if (!actual.includes(p)) falseNegatives++;
    }
    return {
      analyzer,
      truePositives,
      falsePositives,
      falseNegatives,
      precision: truePositives + falsePositives === 0 ? 1 : truePositives / (truePositives + falsePositives),
      recall: truePositives + falseNegatives === 0 ? 1 : truePositives / (truePositives + falseNegatives),
    };
  });
}

/** The figures as a table, for test output and the benchmark record. */
export function formatScores(scores: readonly AnalyzerScore[]): string {
  const rows = scores.map(
    (s) =>
      `${s.analyzer.padEnd(20)} precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}  ` +
      `(TP ${s.truePositives}, FP ${s.falsePositives}, FN ${s.falseNegatives})`,
  );
  return rows.join("\n");
}
