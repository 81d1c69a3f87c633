export {
  type Budget,
  BudgetExceededError,
  type BudgetExceededHandler,
  type BudgetExceededInfo,
  type BudgetOptions,
  createBudget,
  type PriceFunction,
  type StepEstimate,
  TeamBudget,
  type TeamBudgetOptions,
  type TeamBudgetState,
  teamBudget,
} from "./budget.ts";
export {
  LoopDetectedError,
  type LoopGuardOptions,
  type LoopHandler,
  type LoopInfo,
  type LoopPattern,
} from "./loop-guard.ts";
export { configure, type SdkSettings } from "./settings.ts";
export type { ResponseFacts, TokenUsage } from "./usage.ts";
export { readResponse } from "./usage.ts";
export {
  agent,
  type LlmOptions,
  llm,
  plan,
  type RetrievalOptions,
  type RetrievalStep,
  type RetrievedDocument,
  reasoning,
  retrieval,
  type Step,
  type ToolOptions,
  tool,
  type WorkflowOptions,
  type WorkflowRun,
  workflow,
} from "./wrappers.ts";
