// Reads what a span means from whichever dialect described it: OpenTelemetry GenAI (latest and
// deprecated names), OpenInference, Traceloop/OpenLLMetry and the Vercel AI SDK. Each field
// lists its sources in order of preference; the first one present wins.
import { isStepKind, type StepKind } from "@leantrace/conventions";
import * as A from "@leantrace/conventions/attributes";
import type { AnyValue, AttributeMap } from "@leantrace/otlp";

const INPUT_TOKENS = [
  A.ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  A.ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  A.ATTR_OI_TOKEN_COUNT_PROMPT,
  A.ATTR_AI_USAGE_INPUT_TOKENS,
  A.ATTR_AI_USAGE_PROMPT_TOKENS,
];
const OUTPUT_TOKENS = [
  A.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  A.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  A.ATTR_OI_TOKEN_COUNT_COMPLETION,
  A.ATTR_AI_USAGE_OUTPUT_TOKENS,
  A.ATTR_AI_USAGE_COMPLETION_TOKENS,
];
const CACHE_READ_TOKENS = [
  A.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  A.ATTR_TRACELOOP_USAGE_CACHE_READ_INPUT_TOKENS,
  A.ATTR_OI_TOKEN_COUNT_CACHE_READ,
  A.ATTR_AI_USAGE_CACHED_INPUT_TOKENS,
];
const CACHE_CREATION_TOKENS = [
  A.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  A.ATTR_TRACELOOP_USAGE_CACHE_CREATION_INPUT_TOKENS,
  A.ATTR_OI_TOKEN_COUNT_CACHE_WRITE,
];
const REASONING_TOKENS = [
  A.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  A.ATTR_TRACELOOP_USAGE_REASONING_TOKENS,
  A.ATTR_OI_TOKEN_COUNT_REASONING,
  A.ATTR_AI_USAGE_REASONING_TOKENS,
];
const MODEL = [
  A.ATTR_GEN_AI_REQUEST_MODEL,
  A.ATTR_GEN_AI_RESPONSE_MODEL,
  A.ATTR_OI_LLM_MODEL_NAME,
  A.ATTR_OI_EMBEDDING_MODEL_NAME,
  A.ATTR_AI_MODEL_ID,
];
const PROVIDER = [
  A.ATTR_GEN_AI_PROVIDER_NAME,
  A.ATTR_GEN_AI_SYSTEM,
  A.ATTR_OI_LLM_PROVIDER,
  A.ATTR_OI_LLM_SYSTEM,
  A.ATTR_AI_MODEL_PROVIDER,
];
const WORKFLOW = [A.ATTR_GEN_AI_WORKFLOW_NAME, A.ATTR_TRACELOOP_WORKFLOW_NAME];

const OPERATION_KINDS: Record<string, StepKind> = {
  chat: "llm",
  text_completion: "llm",
  generate_content: "llm",
  embeddings: "embedding",
  retrieval: "retrieval",
  execute_tool: "tool",
  invoke_agent: "agent",
  create_agent: "agent",
  invoke_workflow: "workflow",
  plan: "reasoning",
};

const OPENINFERENCE_KINDS: Record<string, StepKind> = {
  LLM: "llm",
  RETRIEVER: "retrieval",
  TOOL: "tool",
  AGENT: "agent",
  CHAIN: "other",
  EMBEDDING: "embedding",
  RERANKER: "rerank",
};

const TRACELOOP_KINDS: Record<string, StepKind> = {
  workflow: "workflow",
  task: "other",
  agent: "agent",
  tool: "tool",
};

export function text(attributes: AttributeMap, keys: readonly string[]): string {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === "string" && value !== "") return value;
    if (typeof value === "number" || typeof value === "bigint") return String(value);
  }
  return "";
}

/** A token count: a non-negative integer, from a number or a numeric string; 0 when absent. */
export function tokens(attributes: AttributeMap, keys: readonly string[]): number {
  for (const key of keys) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof n === "bigint") return n > 0n ? Number(n) : 0;
    if (typeof n === "number" && Number.isFinite(n)) return n > 0 ? Math.round(n) : 0;
  }
  return 0;
}

export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  reasoning: number;
}

export function tokenCounts(attributes: AttributeMap): TokenCounts {
  return {
    input: tokens(attributes, INPUT_TOKENS),
    output: tokens(attributes, OUTPUT_TOKENS),
    cacheRead: tokens(attributes, CACHE_READ_TOKENS),
    cacheCreation: tokens(attributes, CACHE_CREATION_TOKENS),
    reasoning: tokens(attributes, REASONING_TOKENS),
  };
}

/** Vercel AI SDK spans are named `ai.<function>[.<provider call>]`. */
function vercelKind(spanName: string): StepKind | undefined {
  if (!spanName.startsWith("ai.")) return undefined;
  if (spanName === "ai.toolCall") return "tool";
  if (spanName.endsWith(".doEmbed")) return "embedding";
  if (spanName.endsWith(".doGenerate") || spanName.endsWith(".doStream")) return "llm";
  // ai.generateText, ai.streamText, ...: a wrapper whose usage sums the calls inside it.
  return "agent";
}

export function stepKind(
  attributes: AttributeMap,
  spanName: string,
  isRoot: boolean,
  counts: TokenCounts,
): StepKind {
  const own = attributes[A.ATTR_LEANTRACE_STEP_KIND];
  if (typeof own === "string" && isStepKind(own)) return own;
  const byOperation = OPERATION_KINDS[text(attributes, [A.ATTR_GEN_AI_OPERATION_NAME])];
  if (byOperation) return byOperation;
  const openInference = OPENINFERENCE_KINDS[text(attributes, [A.ATTR_OPENINFERENCE_SPAN_KIND])];
  if (openInference) return openInference === "other" && isRoot ? "workflow" : openInference;
  const traceloop = TRACELOOP_KINDS[text(attributes, [A.ATTR_TRACELOOP_SPAN_KIND])];
  if (traceloop) return traceloop;
  const vercel = vercelKind(spanName);
  if (vercel) return vercel;
  if (counts.input + counts.output > 0 || text(attributes, MODEL) !== "") return "llm";
  if (text(attributes, [A.ATTR_GEN_AI_TOOL_NAME]) !== "") return "tool";
  return isRoot ? "workflow" : "other";
}

export const readModel = (attributes: AttributeMap) => text(attributes, MODEL);
export const readProvider = (attributes: AttributeMap) => text(attributes, PROVIDER);
export const readWorkflow = (attributes: AttributeMap) => text(attributes, WORKFLOW);

export function readToolName(attributes: AttributeMap, kind: StepKind): string {
  const name = text(attributes, [A.ATTR_GEN_AI_TOOL_NAME, A.ATTR_OI_TOOL_NAME, A.ATTR_AI_TOOL_CALL_NAME]);
  if (name !== "" || kind !== "tool") return name;
  return text(attributes, [A.ATTR_TRACELOOP_ENTITY_NAME]);
}

/** The first attribute present among `keys`, as received. */
export function first(attributes: AttributeMap, keys: readonly string[]): AnyValue | undefined {
  for (const key of keys) {
    const value = attributes[key];
    if (value !== undefined && value !== null && value !== "") return value;
  }
  return undefined;
}

/** Content sources per field, used when the span carries no leantrace fingerprint. */
export const TOOL_ARGUMENT_SOURCES = [
  A.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  A.ATTR_AI_TOOL_CALL_ARGS,
  A.ATTR_AI_TOOL_CALL_INPUT,
];
export const RESULT_SOURCES = [
  A.ATTR_GEN_AI_TOOL_CALL_RESULT,
  A.ATTR_AI_TOOL_CALL_RESULT,
  A.ATTR_AI_TOOL_CALL_OUTPUT,
];
export const QUERY_SOURCES = [A.ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT];
export const LLM_INPUT_SOURCES = [A.ATTR_GEN_AI_INPUT_MESSAGES];
export const LLM_OUTPUT_SOURCES = [A.ATTR_GEN_AI_OUTPUT_MESSAGES];
/** OpenInference and Traceloop keep a step's input and output under generic names. */
export const GENERIC_INPUT_SOURCES = [A.ATTR_OI_INPUT_VALUE, A.ATTR_TRACELOOP_ENTITY_INPUT];
export const GENERIC_OUTPUT_SOURCES = [A.ATTR_OI_OUTPUT_VALUE, A.ATTR_TRACELOOP_ENTITY_OUTPUT];
