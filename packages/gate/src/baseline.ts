// The baseline file: committed in the user's repository, so it keeps each run's totals (to be
// resampled) and says where it came from.
import { firstIssue } from "@leantrace/conventions";
import { z } from "zod";
import { byWorkflow, figuresOf, type RunTotal } from "./runs.ts";

const baselineRunSchema = z.object({
  runId: z.string(),
  caseId: z.string(),
  outcome: z.string(),
  tokens: z.number().nonnegative(),
  cost: z.number().nullable(),
});

export const baselineSchema = z.object({
  leantraceBaseline: z.literal(1),
  createdAt: z.string(),
  source: z.object({
    version: z.string().nullable(),
    commit: z.string().nullable(),
    ciRunId: z.string().nullable(),
  }),
  workflows: z.array(
    z.object({
      workflow: z.string(),
      runs: z.array(baselineRunSchema).min(1),
      tokensPerSuccess: z.number().nullable(),
      costPerSuccess: z.number().nullable(),
      successRate: z.number().min(0).max(1),
    }),
  ),
});
export type Baseline = z.infer<typeof baselineSchema>;

/** A problem with a baseline file; the CLI exits 2 with this sentence. */
export class BaselineError extends Error {
  override readonly name = "BaselineError";
}

function single(values: readonly string[]): string | null {
  const distinct = [...new Set(values.filter((v) => v !== ""))];
  return distinct.length === 1 ? (distinct[0] as string) : null;
}

export function buildBaseline(runs: readonly RunTotal[], commit: string | null = null): Baseline {
  return {
    leantraceBaseline: 1,
    createdAt: new Date().toISOString(),
    source: {
      version: single(runs.map((r) => r.version)),
      commit,
      ciRunId: single(runs.map((r) => r.ciRunId)),
    },
    workflows: [...byWorkflow(runs)]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([workflow, group]) => {
        const figures = figuresOf(group);
        return {
          workflow,
          runs: group.map(({ runId, caseId, outcome, tokens, cost }) => ({
            runId,
            caseId,
            outcome,
            tokens,
            cost,
          })),
          tokensPerSuccess: figures.tokensPerSuccess,
          costPerSuccess: figures.costPerSuccess,
          successRate: figures.successRate,
        };
      }),
  };
}

/** Parses a baseline file's text; every problem is a sentence naming the file and the field. */
export function parseBaseline(text: string, file: string): Baseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(`baseline ${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = baselineSchema.safeParse(json);
  if (!parsed.success) {
    const { where, message } = firstIssue(parsed.error, "its top level");
    throw new BaselineError(
      `baseline ${file} is not a leantrace baseline: at ${where}, ${message}; write one with \`leantrace baseline save\``,
    );
  }
  return parsed.data;
}
