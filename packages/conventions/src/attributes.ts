// Every attribute name leantrace reads or writes, in one place.
// The GenAI names are copied from the OpenTelemetry semantic conventions rather than
// imported from the incubating entry point, which renames things between releases.

// --- OpenTelemetry GenAI, latest names (written by our SDK, read by the collector) ---
export const ATTR_GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const ATTR_GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
export const ATTR_GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const ATTR_GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens";
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens";
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens";
export const ATTR_GEN_AI_TOOL_NAME = "gen_ai.tool.name";
export const ATTR_GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments";
export const ATTR_GEN_AI_TOOL_CALL_RESULT = "gen_ai.tool.call.result";
export const ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT = "gen_ai.retrieval.query.text";
export const ATTR_GEN_AI_RETRIEVAL_DOCUMENTS = "gen_ai.retrieval.documents";
export const ATTR_GEN_AI_DATA_SOURCE_ID = "gen_ai.data_source.id";
export const ATTR_GEN_AI_WORKFLOW_NAME = "gen_ai.workflow.name";
export const ATTR_GEN_AI_AGENT_NAME = "gen_ai.agent.name";
export const ATTR_GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages";
export const ATTR_GEN_AI_OUTPUT_MESSAGES = "gen_ai.output.messages";
/**
 * Renamed from `gen_ai.usage.cache_creation.input_tokens` (open-telemetry/semantic-conventions-genai
 * #440, as open-telemetry/opentelemetry-python-genai#554 records); both are read.
 */
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = "gen_ai.usage.cache_write.input_tokens";
/**
 * On the internal invocation spans that replace nested `invoke_agent` / `invoke_workflow` spans
 * (`gen_ai.invocation.internal`): whether the invocation runs inside another one.
 */
export const ATTR_GEN_AI_INVOCATION_IS_NESTED = "gen_ai.invocation.is_nested";
/** The span type of those invocations, as a span name or operation. */
export const GEN_AI_INVOCATION_INTERNAL = "gen_ai.invocation.internal";
// Evaluations are `gen_ai.evaluation.result` events on the span of the operation they judge
// (semantic-conventions-genai docs/gen-ai/gen-ai-events.md), no longer spans of their own.
export const EVENT_GEN_AI_EVALUATION_RESULT = "gen_ai.evaluation.result";
export const ATTR_GEN_AI_EVALUATION_NAME = "gen_ai.evaluation.name";
export const ATTR_GEN_AI_EVALUATION_SCORE_VALUE = "gen_ai.evaluation.score.value";
export const ATTR_GEN_AI_EVALUATION_SCORE_LABEL = "gen_ai.evaluation.score.label";
export const ATTR_GEN_AI_EVALUATION_EXPLANATION = "gen_ai.evaluation.explanation";

// --- OpenTelemetry GenAI, deprecated names still emitted by older instrumentations ---
export const ATTR_GEN_AI_SYSTEM = "gen_ai.system";
export const ATTR_GEN_AI_USAGE_PROMPT_TOKENS = "gen_ai.usage.prompt_tokens";
export const ATTR_GEN_AI_USAGE_COMPLETION_TOKENS = "gen_ai.usage.completion_tokens";

// --- Traceloop / OpenLLMetry ---
export const ATTR_TRACELOOP_SPAN_KIND = "traceloop.span.kind";
export const ATTR_TRACELOOP_ENTITY_NAME = "traceloop.entity.name";
export const ATTR_TRACELOOP_ENTITY_INPUT = "traceloop.entity.input";
export const ATTR_TRACELOOP_ENTITY_OUTPUT = "traceloop.entity.output";
export const ATTR_TRACELOOP_WORKFLOW_NAME = "traceloop.workflow.name";
export const ATTR_TRACELOOP_USAGE_REASONING_TOKENS = "gen_ai.usage.reasoning_tokens";
export const ATTR_TRACELOOP_USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read_input_tokens";
export const ATTR_TRACELOOP_USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation_input_tokens";

// --- OpenInference (Arize Phoenix) ---
export const ATTR_OPENINFERENCE_SPAN_KIND = "openinference.span.kind";
export const ATTR_OI_LLM_MODEL_NAME = "llm.model_name";
export const ATTR_OI_LLM_PROVIDER = "llm.provider";
export const ATTR_OI_LLM_SYSTEM = "llm.system";
export const ATTR_OI_EMBEDDING_MODEL_NAME = "embedding.model_name";
export const ATTR_OI_TOKEN_COUNT_PROMPT = "llm.token_count.prompt";
export const ATTR_OI_TOKEN_COUNT_COMPLETION = "llm.token_count.completion";
export const ATTR_OI_TOKEN_COUNT_CACHE_READ = "llm.token_count.prompt_details.cache_read";
export const ATTR_OI_TOKEN_COUNT_CACHE_WRITE = "llm.token_count.prompt_details.cache_write";
export const ATTR_OI_TOKEN_COUNT_REASONING = "llm.token_count.completion_details.reasoning";
export const ATTR_OI_TOOL_NAME = "tool.name";
export const ATTR_OI_TOOL_PARAMETERS = "tool.parameters";
export const ATTR_OI_INPUT_VALUE = "input.value";
export const ATTR_OI_OUTPUT_VALUE = "output.value";
/** Followed by `.{i}.document.id`: one attribute per retrieved document. */
export const ATTR_OI_RETRIEVAL_DOCUMENTS_PREFIX = "retrieval.documents.";
/**
 * Followed by `.{i}.message.role`, `.content`, `.tool_call_id`,
 * `.tool_calls.{j}.tool_call.function.name` / `.arguments`: one attribute per message field.
 */
export const ATTR_OI_LLM_INPUT_MESSAGES_PREFIX = "llm.input_messages.";
/** JSON of the run's metadata; LangChain puts its provider there as `ls_provider`. */
export const ATTR_OI_METADATA = "metadata";

// --- Vercel AI SDK ---
export const ATTR_AI_MODEL_ID = "ai.model.id";
export const ATTR_AI_MODEL_PROVIDER = "ai.model.provider";
export const ATTR_AI_USAGE_INPUT_TOKENS = "ai.usage.inputTokens";
export const ATTR_AI_USAGE_OUTPUT_TOKENS = "ai.usage.outputTokens";
export const ATTR_AI_USAGE_PROMPT_TOKENS = "ai.usage.promptTokens";
export const ATTR_AI_USAGE_COMPLETION_TOKENS = "ai.usage.completionTokens";
export const ATTR_AI_USAGE_CACHED_INPUT_TOKENS = "ai.usage.cachedInputTokens";
export const ATTR_AI_USAGE_REASONING_TOKENS = "ai.usage.reasoningTokens";
export const ATTR_AI_TOOL_CALL_NAME = "ai.toolCall.name";
export const ATTR_AI_TOOL_CALL_ARGS = "ai.toolCall.args";
export const ATTR_AI_TOOL_CALL_INPUT = "ai.toolCall.input";
export const ATTR_AI_TOOL_CALL_RESULT = "ai.toolCall.result";
export const ATTR_AI_TOOL_CALL_OUTPUT = "ai.toolCall.output";
export const ATTR_AI_TELEMETRY_FUNCTION_ID = "ai.telemetry.functionId";
/** Embedding usage on `ai.embed` / `ai.embed.doEmbed` (and `ai.embedMany`). */
export const ATTR_AI_USAGE_TOKENS = "ai.usage.tokens";
export const ATTR_AI_USAGE_CACHE_READ_TOKENS = "ai.usage.inputTokenDetails.cacheReadTokens";
export const ATTR_AI_USAGE_CACHE_WRITE_TOKENS = "ai.usage.inputTokenDetails.cacheWriteTokens";
export const ATTR_AI_USAGE_OUTPUT_REASONING_TOKENS = "ai.usage.outputTokenDetails.reasoningTokens";
/** The messages a `doGenerate` / `doStream` call sent, in the AI SDK's own message format. */
export const ATTR_AI_PROMPT_MESSAGES = "ai.prompt.messages";

// --- OpenTelemetry general ---
/** The class of error a span ended with; set on a step, it means the step failed. */
export const ATTR_ERROR_TYPE = "error.type";

// --- Resource ---
export const ATTR_SERVICE_NAME = "service.name";
export const ATTR_SERVICE_VERSION = "service.version";

// --- leantrace's own ---
export const ATTR_LEANTRACE_OUTCOME = "leantrace.outcome";
export const ATTR_LEANTRACE_OUTCOME_VALUE = "leantrace.outcome.value";
export const ATTR_LEANTRACE_RUN_ID = "leantrace.run.id";
export const ATTR_LEANTRACE_CASE_ID = "leantrace.case.id";
export const ATTR_LEANTRACE_CI_RUN_ID = "leantrace.ci.run_id";
/** Step kind as our SDK knows it; wins over every inferred kind. */
export const ATTR_LEANTRACE_STEP_KIND = "leantrace.step.kind";
/** Fingerprint of the normalized LLM input (all messages). */
export const ATTR_LEANTRACE_FP_INPUT = "leantrace.fp.input";
/** Fingerprints of each input message, so a later analysis can tell which results were read. */
export const ATTR_LEANTRACE_FP_INPUT_PARTS = "leantrace.fp.input_parts";
/** Fingerprint of the normalized LLM output. */
export const ATTR_LEANTRACE_FP_OUTPUT = "leantrace.fp.output";
/** Fingerprint of the canonical tool arguments. */
export const ATTR_LEANTRACE_FP_TOOL_ARGS = "leantrace.fp.tool_args";
/** Fingerprint of the tool result. */
export const ATTR_LEANTRACE_FP_TOOL_RESULT = "leantrace.fp.tool_result";
/** Fingerprint of the normalized retrieval query. */
export const ATTR_LEANTRACE_FP_QUERY = "leantrace.fp.query";
/** Fingerprint of the sorted set of retrieved document ids. */
export const ATTR_LEANTRACE_FP_DOCUMENTS = "leantrace.fp.documents";
/** On an LLM step: this call produced the run's final answer; later steps come after it. */
export const ATTR_LEANTRACE_FINAL_ANSWER = "leantrace.final_answer";
/**
 * On an LLM step: the names of the tools its answer asked for, in order (a string array). Names
 * only, never arguments, so it is written without content capture: the step that chose a tool
 * call can be named without reading the output messages.
 */
export const ATTR_LEANTRACE_LLM_TOOL_NAMES = "leantrace.llm.tool_names";
/** Length in characters of a tool or retrieval result: what it adds to a later prompt. */
export const ATTR_LEANTRACE_RESULT_CHARS = "leantrace.result.chars";
/**
 * What a tool step does to the world: `read`, `write` or `none` (see STEP_EFFECTS). Tells the
 * analyzers whether a repeat of a call is waste: a write in between may have changed its result.
 */
export const ATTR_LEANTRACE_TOOL_EFFECT = "leantrace.tool.effect";
/** Why the agent could not use this step's output (a malformed or refused LLM turn). */
export const ATTR_LEANTRACE_STEP_REJECTED = "leantrace.step.rejected";
/** Span event recorded when a run's outcome is decided; steps after it served no outcome. */
export const EVENT_LEANTRACE_OUTCOME = "leantrace.outcome";

// --- the SDK's guards (budget, loopGuard) ---
/** On a step the budget guard refused: `exceeded` (the model was not called). */
export const ATTR_LEANTRACE_GUARD_BUDGET = "leantrace.guard.budget";
/** On the step where the loop guard saw a loop: the pattern (`repeat`, `error_retry`, `alternation`, `monologue`). */
export const ATTR_LEANTRACE_GUARD_LOOP = "leantrace.guard.loop";
/** Span event of a budget refusal; attributes below (`scope`, `unit`, `limit`, `used`, `reserved`, `requested`). */
export const EVENT_LEANTRACE_GUARD_BUDGET = "leantrace.guard.budget";
/** Span event of a loop the guard saw; attributes `pattern`, `tool`, `calls`. */
export const EVENT_LEANTRACE_GUARD_LOOP = "leantrace.guard.loop";
/** `run`, or `team:NAME`: whose limit. */
export const ATTR_LEANTRACE_GUARD_SCOPE = "leantrace.guard.scope";
/** `tokens` or `cost`: which limit. */
export const ATTR_LEANTRACE_GUARD_UNIT = "leantrace.guard.unit";
export const ATTR_LEANTRACE_GUARD_LIMIT = "leantrace.guard.limit";
export const ATTR_LEANTRACE_GUARD_USED = "leantrace.guard.used";
/** What other steps under way had reserved. */
export const ATTR_LEANTRACE_GUARD_RESERVED = "leantrace.guard.reserved";
/** What this step would have reserved. */
export const ATTR_LEANTRACE_GUARD_REQUESTED = "leantrace.guard.requested";
export const ATTR_LEANTRACE_GUARD_PATTERN = "leantrace.guard.pattern";
export const ATTR_LEANTRACE_GUARD_TOOL = "leantrace.guard.tool";
/** How many calls the loop holds so far. */
export const ATTR_LEANTRACE_GUARD_CALLS = "leantrace.guard.calls";
