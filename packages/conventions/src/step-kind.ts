/** What an agent step is, whatever dialect described it. */
export const STEP_KINDS = [
  "workflow",
  "agent",
  "llm",
  "embedding",
  "retrieval",
  "rerank",
  "tool",
  "reasoning",
  "other",
] as const;

export type StepKind = (typeof STEP_KINDS)[number];

/**
 * Kinds whose token counts leantrace adds up. Wrapper spans (workflow, agent, Vercel's
 * `ai.generateText`) often repeat the usage of the calls inside them; counting them too
 * would count the same tokens twice.
 */
export const TOKEN_BEARING_KINDS: ReadonlySet<StepKind> = new Set(["llm", "embedding"]);

/**
 * Steps that act: an LLM call chooses them, and repeating one can be waste. The analyzers
 * receive these lists as query parameters, so the SQL and the code agree on them.
 */
export const ACTION_KINDS = [
  "tool",
  "retrieval",
  "embedding",
  "rerank",
] as const satisfies readonly StepKind[];
/** Steps that look something up with a query and return documents. */
export const LOOKUP_KINDS = ["retrieval", "embedding"] as const satisfies readonly StepKind[];
/** Steps that only read, whatever they are called: lookups, and reranking what was found. */
export const READ_KINDS = ["retrieval", "embedding", "rerank"] as const satisfies readonly StepKind[];

export function isStepKind(value: string): value is StepKind {
  return (STEP_KINDS as readonly string[]).includes(value);
}

/** The outcomes a run can end with. */
export const OUTCOMES = ["success", "failure", "partial", "unknown"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function isOutcome(value: string): value is Outcome {
  return (OUTCOMES as readonly string[]).includes(value);
}

/**
 * What a step does to the world. A `read` repeated with nothing in between learns nothing new;
 * a `write` may change what later calls return; `none` has no effect at all (a `think` tool).
 */
export const STEP_EFFECTS = ["read", "write", "none"] as const;
export type StepEffect = (typeof STEP_EFFECTS)[number];

export function isStepEffect(value: unknown): value is StepEffect {
  return typeof value === "string" && (STEP_EFFECTS as readonly string[]).includes(value);
}
