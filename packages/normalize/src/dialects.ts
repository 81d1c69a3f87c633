// Reads what a span means from whichever dialect described it: OpenTelemetry GenAI (latest and
// deprecated names), OpenInference, Traceloop/OpenLLMetry and the Vercel AI SDK. Each field
// lists its sources in order of preference; the first one present wins.
import { isStepKind, parseJsonText, type StepKind } from "@leantrace/conventions";
import * as A from "@leantrace/conventions/attributes";
import type { AnyValue, AttributeMap } from "@leantrace/otlp";

const INPUT_TOKENS = [
  A.ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  A.ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  A.ATTR_OI_TOKEN_COUNT_PROMPT,
  A.ATTR_AI_USAGE_INPUT_TOKENS,
  A.ATTR_AI_USAGE_PROMPT_TOKENS,
  // Vercel's embedding spans (`ai.embed.doEmbed`): the input is all an embedding has.
  A.ATTR_AI_USAGE_TOKENS,
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
  A.ATTR_AI_USAGE_CACHE_READ_TOKENS,
];
const CACHE_CREATION_TOKENS = [
  // The latest name first (semantic-conventions-genai #440), then the one it replaces.
  A.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  A.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  A.ATTR_TRACELOOP_USAGE_CACHE_CREATION_INPUT_TOKENS,
  A.ATTR_OI_TOKEN_COUNT_CACHE_WRITE,
  A.ATTR_AI_USAGE_CACHE_WRITE_TOKENS,
];
const REASONING_TOKENS = [
  A.ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  A.ATTR_TRACELOOP_USAGE_REASONING_TOKENS,
  A.ATTR_OI_TOKEN_COUNT_REASONING,
  A.ATTR_AI_USAGE_REASONING_TOKENS,
  A.ATTR_AI_USAGE_OUTPUT_REASONING_TOKENS,
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
const WORKFLOW = [
  A.ATTR_GEN_AI_WORKFLOW_NAME,
  A.ATTR_TRACELOOP_WORKFLOW_NAME,
  A.ATTR_AI_TELEMETRY_FUNCTION_ID,
];
const TOOL_NAME = [A.ATTR_GEN_AI_TOOL_NAME, A.ATTR_OI_TOOL_NAME, A.ATTR_AI_TOOL_CALL_NAME];

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
    const value = textAt(attributes, key);
    if (value !== "") return value;
  }
  return "";
}

/** `text` of one key, without a list to allocate for every span. */
export function textAt(attributes: AttributeMap, key: string): string {
  const value = attributes[key];
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
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
  const operation = textAt(attributes, A.ATTR_GEN_AI_OPERATION_NAME);
  const byOperation = OPERATION_KINDS[operation];
  if (byOperation) return byOperation;
  // An internal invocation (what nested invoke_agent / invoke_workflow spans became) that does
  // not say its operation: an agent inside the run, or the run itself at the root.
  if (spanName === A.GEN_AI_INVOCATION_INTERNAL || operation === A.GEN_AI_INVOCATION_INTERNAL) {
    return isRoot && attributes[A.ATTR_GEN_AI_INVOCATION_IS_NESTED] !== true ? "workflow" : "agent";
  }
  if (attributes[A.ATTR_GEN_AI_INVOCATION_IS_NESTED] !== undefined) return "agent";
  // An evaluation recorded as a span of its own (before evaluations became
  // `gen_ai.evaluation.result` events): a judgement about a step, not a step.
  if (textAt(attributes, A.ATTR_GEN_AI_EVALUATION_NAME) !== "") return "other";
  const openInference = OPENINFERENCE_KINDS[textAt(attributes, A.ATTR_OPENINFERENCE_SPAN_KIND)];
  if (openInference) return openInference === "other" && isRoot ? "workflow" : openInference;
  const traceloop = TRACELOOP_KINDS[textAt(attributes, A.ATTR_TRACELOOP_SPAN_KIND)];
  if (traceloop) return traceloop;
  const vercel = vercelKind(spanName);
  if (vercel) return vercel;
  if (counts.input + counts.output > 0 || text(attributes, MODEL) !== "") return "llm";
  if (textAt(attributes, A.ATTR_GEN_AI_TOOL_NAME) !== "") return "tool";
  return isRoot ? "workflow" : "other";
}

export const readModel = (attributes: AttributeMap) => text(attributes, MODEL);

/**
 * Provider names as the GenAI conventions' well-known `gen_ai.provider.name` values, whatever
 * an instrumentation called them: Vercel's provider ids (`openai.chat`, `anthropic.messages`,
 * `amazon-bedrock`, ...), OpenInference's `llm.provider` / `llm.system` (`azure`, `mistralai`,
 * `vertexai`, ...), the deprecated `gen_ai.system` values (`az.ai.openai`, `vertex_ai`, ...).
 * Frameworks are not providers (`langchain`): empty. Anything else is kept as it came.
 */
const PROVIDER_ALIASES: Record<string, string> = {
  openai: "openai",
  anthropic: "anthropic",
  "aws.bedrock": "aws.bedrock",
  "amazon-bedrock": "aws.bedrock",
  bedrock: "aws.bedrock",
  aws: "aws.bedrock",
  "azure.ai.openai": "azure.ai.openai",
  "az.ai.openai": "azure.ai.openai",
  azure: "azure.ai.openai",
  "azure-openai": "azure.ai.openai",
  azure_openai: "azure.ai.openai",
  "azure.ai.inference": "azure.ai.inference",
  "az.ai.inference": "azure.ai.inference",
  "gcp.gemini": "gcp.gemini",
  gemini: "gcp.gemini",
  google: "gcp.gemini",
  "google.generative-ai": "gcp.gemini",
  "gcp.vertex_ai": "gcp.vertex_ai",
  vertex_ai: "gcp.vertex_ai",
  vertexai: "gcp.vertex_ai",
  "google.vertex": "gcp.vertex_ai",
  "gcp.gen_ai": "gcp.gen_ai",
  cohere: "cohere",
  deepseek: "deepseek",
  groq: "groq",
  "ibm.watsonx.ai": "ibm.watsonx.ai",
  watsonx: "ibm.watsonx.ai",
  mistral_ai: "mistral_ai",
  mistral: "mistral_ai",
  mistralai: "mistral_ai",
  perplexity: "perplexity",
  x_ai: "x_ai",
  xai: "x_ai",
  moonshot_ai: "moonshot_ai",
  moonshotai: "moonshot_ai",
  langchain: "",
  llamaindex: "",
};

export function normalizeProvider(given: string): string {
  const name = given.trim().toLowerCase();
  const known = PROVIDER_ALIASES[name];
  if (known !== undefined) return known;
  // Vercel's ids name the provider, then the API: `openai.responses`, `google.vertex.chat`.
  for (let end = name.lastIndexOf("."); end > 0; end = name.lastIndexOf(".", end - 1)) {
    const prefix = PROVIDER_ALIASES[name.slice(0, end)];
    if (prefix !== undefined && prefix !== "") return prefix;
  }
  return given;
}

/** LangChain's provider, from the run metadata OpenInference records (`ls_provider`). */
function langChainProvider(attributes: AttributeMap): string {
  const metadata = attributes[A.ATTR_OI_METADATA];
  if (typeof metadata !== "string" || !metadata.includes("ls_provider")) return "";
  const parsed = parseJsonText(metadata);
  const provider =
    typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>).ls_provider : "";
  return typeof provider === "string" ? provider : "";
}

export function readProvider(attributes: AttributeMap): string {
  return normalizeProvider(text(attributes, PROVIDER)) || normalizeProvider(langChainProvider(attributes));
}

/**
 * The workflow a span names: `gen_ai.workflow.name`, Traceloop's, Vercel's function id; and on
 * a workflow invocation that is not nested, `gen_ai.agent.name` (the GenAI conventions since
 * semantic-conventions-genai v0.1.0 name workflows there, #126/#354/#410/#571).
 */
export function readWorkflow(attributes: AttributeMap): string {
  const named = text(attributes, WORKFLOW);
  if (named !== "") return named;
  const operation = textAt(attributes, A.ATTR_GEN_AI_OPERATION_NAME);
  if (operation === "invoke_workflow" && attributes[A.ATTR_GEN_AI_INVOCATION_IS_NESTED] !== true) {
    return textAt(attributes, A.ATTR_GEN_AI_AGENT_NAME);
  }
  return "";
}

/** LangChain's tool classes: what Traceloop records as a tool's name when it has no better one. */
export const LANGCHAIN_TOOL_CLASSES = new Set([
  "DynamicStructuredTool",
  "DynamicTool",
  "StructuredTool",
  "Tool",
]);

export function readToolName(attributes: AttributeMap, kind: StepKind, spanName = ""): string {
  const name = text(attributes, TOOL_NAME);
  if (name !== "" || kind !== "tool") return name;
  // Traceloop's tool spans name the tool there; OpenInference's TOOL spans without `tool.name`
  // (its `traceTool` helper) are named after the tool.
  return textAt(attributes, A.ATTR_TRACELOOP_ENTITY_NAME) || spanName;
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
/** Vercel's `doGenerate` / `doStream` spans keep the prompt in the AI SDK's message format. */
export const VERCEL_PROMPT_SOURCES = [A.ATTR_AI_PROMPT_MESSAGES];
export const LLM_OUTPUT_SOURCES = [A.ATTR_GEN_AI_OUTPUT_MESSAGES];
/** OpenInference and Traceloop keep a step's input and output under generic names. */
export const GENERIC_INPUT_SOURCES = [A.ATTR_OI_INPUT_VALUE, A.ATTR_TRACELOOP_ENTITY_INPUT];
export const GENERIC_OUTPUT_SOURCES = [A.ATTR_OI_OUTPUT_VALUE, A.ATTR_TRACELOOP_ENTITY_OUTPUT];
