import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";
import { findingSchema, listFindings } from "./findings.ts";
import { runTotalsSchema } from "./run-totals.ts";

export const runStepSchema = z.object({
  spanId: z.string(),
  parentSpanId: z.string(),
  name: z.string(),
  kind: z.string(),
  model: z.string(),
  toolName: z.string(),
  dataSource: z.string(),
  /** A retrieval's query, when content was recorded. */
  query: z.string(),
  startTime: z.string(),
  /** Milliseconds from the run's first start. */
  offsetMs: z.number(),
  durationMs: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  cachedInputTokens: z.number(),
  reasoningOutputTokens: z.number(),
  /** What the step counts: input + output on LLM and embedding steps, 0 elsewhere. */
  totalTokens: z.number(),
  cost: z.number().nullable(),
  status: z.string(),
  errorType: z.string(),
  /** Set when this span is another instrumentation's copy of that span's provider call. */
  duplicateOf: z.string(),
  scope: z.string(),
});

export const runDetailSchema = z.object({
  run: runTotalsSchema.shape.runs.element.extend({
    startedAt: z.string(),
    endedAt: z.string(),
    spans: z.number().int(),
  }),
  steps: z.array(runStepSchema),
  /** At most 10,000 steps are listed. */
  truncated: z.boolean(),
  findings: z.array(findingSchema),
});
export type RunDetail = z.infer<typeof runDetailSchema>;
export type RunStep = z.infer<typeof runStepSchema>;

const loadSql = sqlFiles(new URL("../sql/", import.meta.url));
const RUN_SQL = loadSql("run");
const RUN_STEPS_SQL = loadSql("run-steps");
const MAX_STEPS = 10_000;

/** One run: its totals, its steps in the order they ran, and its current findings; undefined when unknown. */
export async function runDetail(
  store: Store,
  project: string,
  runId: string,
): Promise<RunDetail | undefined> {
  const [run] = await store.select(RUN_SQL, { project, run: runId });
  if (run === undefined) return undefined;
  const [steps, findings] = await Promise.all([
    store.select(RUN_STEPS_SQL, { project, run: runId }),
    listFindings(store, project, { run: runId, limit: 1000 }),
  ]);
  return runDetailSchema.parse({
    run,
    steps,
    truncated: steps.length >= MAX_STEPS,
    findings: findings.findings,
  });
}
