// The gate's decision, per workflow: did tokens per successful outcome regress beyond the
// run-to-run noise of an LLM agent? A seeded bootstrap gives the ratio current/baseline an
// interval. When both sides name their evaluation cases, cases are resampled rather than runs,
// so that hard and easy tasks do not drown the signal (a cluster bootstrap).
import type { Baseline } from "./baseline.ts";
import { seededRandom } from "./random.ts";
import { byWorkflow, type Figures, figuresOf, groupBy, type RunTotal } from "./runs.ts";
import { formatShare } from "./share.ts";
import { noRunsFound, type RunSource } from "./source.ts";

export interface CheckOptions {
  /** A regression is a ratio above 1 + threshold. @default 0.1 */
  threshold?: number;
  /** Confidence of the bootstrap interval. @default 0.95 */
  confidence?: number;
  /** Fewer runs than this on either side: warn instead of deciding. @default 10 */
  minRuns?: number;
  /** Bootstrap resamples. @default 4000 */
  iterations?: number;
  /** Seed of the resampling, so that a check gives the same answer twice. @default 1 */
  seed?: number;
  /** Where the current runs were read from: the failure with none found says where to look. */
  source?: RunSource;
}

/** The settings a check decided with, so that its output can say them. */
export interface CheckSettings {
  threshold: number;
  confidence: number;
  minRuns: number;
  iterations: number;
  seed: number;
}

export type Verdict = "pass" | "warn" | "fail";

export interface WorkflowCheck {
  workflow: string;
  verdict: Verdict;
  /** Sentences saying why, most important first. */
  reasons: string[];
  baseline: Figures;
  current: Figures;
  /** Current tokens per success over baseline; null when either side has no success. */
  ratio: number | null;
  interval: [number, number] | null;
  /** Success rate change (current - baseline) and its interval. */
  successRateChange: number;
  successRateInterval: [number, number] | null;
  /** Cases resampled in pairs; 0 when runs were resampled instead. */
  pairedCases: number;
  /** Current runs that would likely settle a warning; null when not applicable. */
  runsToSettle: number | null;
}

export interface CheckResult {
  verdict: Verdict;
  /**
   * Why nothing could be compared, when nothing could: no current runs at all, or none of a
   * baseline workflow. The verdict is then "fail": a gate that compared nothing must not pass.
   */
  problem: string | null;
  settings: CheckSettings;
  workflows: WorkflowCheck[];
}

interface Group {
  tokens: number;
  successes: number;
  runs: number;
}

function groupOf(runs: readonly { outcome: string; tokens: number }[]): Group {
  return {
    tokens: runs.reduce((s, r) => s + r.tokens, 0),
    successes: runs.filter((r) => r.outcome === "success").length,
    runs: runs.length,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.floor(p * sorted.length)));
  return sorted[index] as number;
}

/**
 * Resamples units (cases or runs) of both sides and returns the ratios and success-rate
 * changes. `paired`: one draw of units serves both sides (a case's baseline and current runs
 * together); otherwise each side is drawn on its own.
 */
function bootstrap(
  base: readonly Group[],
  current: readonly Group[],
  paired: boolean,
  iterations: number,
  random: () => number,
): { ratios: number[]; changes: number[] } {
  const ratios: number[] = [];
  const changes: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const b: Group = { tokens: 0, successes: 0, runs: 0 };
    const c: Group = { tokens: 0, successes: 0, runs: 0 };
    if (paired) {
      for (let k = 0; k < base.length; k++) {
        const pick = Math.floor(random() * base.length);
        const gb = base[pick] as Group;
        const gc = current[pick] as Group;
        b.tokens += gb.tokens;
        b.successes += gb.successes;
        b.runs += gb.runs;
        c.tokens += gc.tokens;
        c.successes += gc.successes;
        c.runs += gc.runs;
      }
    } else {
      for (const [side, groups] of [
        [b, base],
        [c, current],
      ] as const) {
        for (let k = 0; k < groups.length; k++) {
          const g = groups[Math.floor(random() * groups.length)] as Group;
          side.tokens += g.tokens;
          side.successes += g.successes;
          side.runs += g.runs;
        }
      }
    }
    changes.push(c.successes / c.runs - b.successes / b.runs);
    if (b.successes === 0) continue;
    // No success in a resample of the current side: infinitely worse, not a missing value.
    ratios.push(
      c.successes === 0 ? Number.POSITIVE_INFINITY : c.tokens / c.successes / (b.tokens / b.successes),
    );
  }
  ratios.sort((x, y) => x - y);
  changes.sort((x, y) => x - y);
  return { ratios, changes };
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

function checkWorkflow(
  workflow: string,
  baseRuns: readonly { caseId: string; outcome: string; tokens: number; cost: number | null }[],
  currentRuns: readonly RunTotal[],
  options: CheckSettings,
): WorkflowCheck {
  const baseline = figuresOf(baseRuns);
  const current = figuresOf(currentRuns);
  const reasons: string[] = [];
  const result: WorkflowCheck = {
    workflow,
    verdict: "pass",
    reasons,
    baseline,
    current,
    ratio: null,
    interval: null,
    successRateChange: current.successRate - baseline.successRate,
    successRateInterval: null,
    pairedCases: 0,
    runsToSettle: null,
  };
  if (current.runs === 0) {
    result.verdict = "warn";
    reasons.push("no current runs of this workflow were found");
    return result;
  }
  if (baseline.tokensPerSuccess !== null && current.tokensPerSuccess !== null) {
    result.ratio = current.tokensPerSuccess / baseline.tokensPerSuccess;
  }

  // Pair by case when both sides name cases and share at least two.
  const baseCases = groupBy(baseRuns, (r) => r.caseId);
  const currentCases = groupBy(currentRuns, (r) => r.caseId);
  const common = [...baseCases.keys()].filter((c) => c !== "" && currentCases.has(c));
  const paired = common.length >= 2;
  const random = seededRandom(options.seed);
  const { ratios, changes } = paired
    ? bootstrap(
        common.map((c) => groupOf(baseCases.get(c) ?? [])),
        common.map((c) => groupOf(currentCases.get(c) ?? [])),
        true,
        options.iterations,
        random,
      )
    : bootstrap(
        baseRuns.map((r) => groupOf([r])),
        currentRuns.map((r) => groupOf([r])),
        false,
        options.iterations,
        random,
      );
  result.pairedCases = paired ? common.length : 0;
  if (!paired)
    reasons.push(
      "runs were resampled one by one: the two sides share no evaluation cases (leantrace.case.id)",
    );
  const alpha = 1 - options.confidence;
  if (ratios.length > 0) result.interval = [percentile(ratios, alpha / 2), percentile(ratios, 1 - alpha / 2)];
  if (changes.length > 0) {
    result.successRateInterval = [percentile(changes, alpha / 2), percentile(changes, 1 - alpha / 2)];
  }

  const failures: string[] = [];
  const warnings: string[] = [];
  if (baseline.successes > 0 && current.successes === 0) {
    failures.push(`no run succeeded (baseline: ${baseline.successes} of ${baseline.runs})`);
  } else if (result.successRateInterval !== null && result.successRateInterval[1] < 0) {
    failures.push(
      `the success rate fell from ${percent(baseline.successRate)} to ${percent(current.successRate)}, beyond noise`,
    );
  }
  const tooFew = current.runs < options.minRuns || baseline.runs < options.minRuns;
  if (tooFew) {
    warnings.push(
      `too few runs to decide: ${current.runs} current and ${baseline.runs} baseline, fewer than ${options.minRuns}`,
    );
    result.runsToSettle = options.minRuns;
  }
  const limit = 1 + options.threshold;
  if (result.ratio !== null && result.interval !== null && result.ratio > limit) {
    const [low, high] = result.interval;
    const change = `tokens per success rose ${percent(result.ratio - 1)} (interval ${low.toFixed(2)} to ${Number.isFinite(high) ? high.toFixed(2) : "∞"})`;
    if (low > 1 && !tooFew) {
      failures.push(`${change}: above the ${formatShare(options.threshold)} threshold, beyond noise`);
    } else if (low <= 1) {
      // The interval narrows as 1/sqrt(runs): how many runs would bring its low end above 1.
      const needed = Math.ceil(current.runs * ((result.ratio - low) / (result.ratio - 1)) ** 2);
      result.runsToSettle = Math.max(result.runsToSettle ?? 0, needed);
      warnings.push(
        `${change}: above the ${formatShare(options.threshold)} threshold, but within noise; about ${needed} runs would settle it`,
      );
    }
  }
  if (failures.length > 0) result.verdict = "fail";
  else if (warnings.length > 0) result.verdict = "warn";
  reasons.unshift(...failures, ...warnings);
  return result;
}

/**
 * Why the current runs cannot be compared with the baseline at all, or null when they can:
 * there are none, or none belongs to a workflow of the baseline (a renamed workflow, a wrong
 * selection).
 */
export function nothingToCompare(
  baseline: Baseline,
  currentRuns: readonly RunTotal[],
  source?: RunSource,
): string | null {
  if (currentRuns.length === 0) {
    return source === undefined ? "no current runs were found" : noRunsFound(source).sentence;
  }
  const known = new Set(baseline.workflows.map((w) => w.workflow));
  if (currentRuns.some((r) => known.has(r.workflow))) return null;
  const names = (list: Iterable<string>) => [...new Set(list)].sort().join(", ") || "none";
  return `none of the ${currentRuns.length} current runs belongs to a workflow of the baseline (baseline: ${names(known)}; current: ${names(currentRuns.map((r) => r.workflow))}): was a workflow renamed? Then save a new baseline with \`leantrace baseline save\``;
}

/** Compares the current runs with the baseline, workflow by workflow. */
export function check(
  baseline: Baseline,
  currentRuns: readonly RunTotal[],
  options: CheckOptions = {},
): CheckResult {
  const settings: CheckSettings = {
    threshold: options.threshold ?? 0.1,
    confidence: options.confidence ?? 0.95,
    minRuns: options.minRuns ?? 10,
    iterations: options.iterations ?? 4000,
    seed: options.seed ?? 1,
  };
  const current = byWorkflow(currentRuns);
  const workflows = baseline.workflows.map((w) =>
    checkWorkflow(w.workflow, w.runs, current.get(w.workflow) ?? [], settings),
  );
  const problem = nothingToCompare(baseline, currentRuns, options.source);
  if (problem !== null) {
    for (const w of workflows) w.verdict = "fail";
    return { verdict: "fail", problem, settings, workflows };
  }
  const verdict: Verdict = workflows.some((w) => w.verdict === "fail")
    ? "fail"
    : workflows.some((w) => w.verdict === "warn")
      ? "warn"
      : "pass";
  return { verdict, problem, settings, workflows };
}
