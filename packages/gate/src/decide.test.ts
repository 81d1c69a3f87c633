// The gate's statistics on agent-like data: evaluation cases whose costs differ by an order of
// magnitude (as SWE-bench tasks do), runs that vary by a quarter around their case, successes
// that depend on the case. Every trial is seeded.
import { describe, expect, it } from "vitest";
import { buildBaseline } from "./baseline.ts";
import { check } from "./decide.ts";
import { seededRandom } from "./random.ts";
import type { RunTotal } from "./runs.ts";

function normal(next: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

interface Case {
  id: string;
  tokens: number;
  successRate: number;
}

function cases(count: number, seed: number): Case[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `task-${i}`,
    tokens: 60_000 * Math.exp(normal(next)), // from ~10k to ~400k tokens
    successRate: 0.4 + 0.55 * next(),
  }));
}

function runs(
  tasks: readonly Case[],
  perCase: number,
  seed: number,
  change: { tokens?: number; successRate?: number; caseIds?: boolean } = {},
): RunTotal[] {
  const next = seededRandom(seed);
  return tasks.flatMap((task) =>
    Array.from({ length: perCase }, (_, k) => ({
      runId: `${task.id}-${seed}-${k}`,
      workflow: "swe",
      outcome: next() < task.successRate + (change.successRate ?? 0) ? "success" : "failure",
      caseId: change.caseIds === false ? "" : task.id,
      tokens: Math.round(task.tokens * (change.tokens ?? 1) * Math.exp(0.25 * normal(next))),
      cost: null,
      version: "",
      ciRunId: "",
    })),
  );
}

describe("check", () => {
  const tasks = cases(30, 7);
  const baseline = buildBaseline(runs(tasks, 2, 100));

  it("fails a real regression: +30% tokens per success, runs paired by case", () => {
    const result = check(baseline, runs(tasks, 2, 200, { tokens: 1.3 }));
    const [swe] = result.workflows;
    expect(result.verdict).toBe("fail");
    expect(swe?.pairedCases).toBe(30);
    expect(swe?.interval?.[0]).toBeGreaterThan(1);
    expect(swe?.reasons.some((r) => /^tokens per success rose \d+\.\d% .*beyond noise/.test(r))).toBe(true);
  });

  it("passes the same agent with only run-to-run noise in at least 95% of seeded trials", () => {
    let failed = 0;
    let warned = 0;
    const trials = 200;
    for (let trial = 0; trial < trials; trial++) {
      const base = buildBaseline(runs(tasks, 2, 1000 + trial));
      const verdict = check(base, runs(tasks, 2, 5000 + trial), { seed: trial }).verdict;
      if (verdict === "fail") failed++;
      if (verdict === "warn") warned++;
    }
    console.log(
      `noise only: ${trials} trials, ${failed} failed, ${warned} warned, ${trials - failed - warned} passed`,
    );
    expect(failed / trials).toBeLessThanOrEqual(0.05);
  });

  it("fails when the success rate drops beyond noise, and when no run succeeds", () => {
    const drop = check(baseline, runs(tasks, 2, 300, { successRate: -0.35 }));
    expect(drop.verdict).toBe("fail");
    expect(drop.workflows[0]?.reasons.some((r) => r.startsWith("the success rate fell from"))).toBe(true);
    const none = check(baseline, runs(tasks, 2, 301, { successRate: -1 }));
    expect(none.workflows[0]?.reasons[0]).toMatch(/^no run succeeded/);
  });

  it("warns with too few runs, saying how many would settle it", () => {
    const few = check(
      buildBaseline(runs(tasks.slice(0, 3), 2, 400)),
      runs(tasks.slice(0, 3), 2, 401, { tokens: 1.3 }),
    );
    expect(few.verdict).toBe("warn");
    expect(few.workflows[0]?.reasons.join(" ")).toContain("too few runs to decide: 6 current and 6 baseline");
    expect(few.workflows[0]?.runsToSettle).toBeGreaterThanOrEqual(10);
  });

  it("sees through case difficulty only when runs are paired: unpaired, the same regression is noise", () => {
    // The same tasks and the same +30% as the first test, without case ids to pair them by.
    const unpaired = check(
      buildBaseline(runs(tasks, 2, 100, { caseIds: false })),
      runs(tasks, 2, 200, { tokens: 1.3, caseIds: false }),
    );
    expect(unpaired.workflows[0]?.pairedCases).toBe(0);
    expect(unpaired.verdict).not.toBe("fail");
    expect(unpaired.workflows[0]?.reasons.join(" ")).toContain("resampled one by one");
  });
});
