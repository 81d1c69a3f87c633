// Turns decoded OTLP spans into rows of the `spans` table. Spans whose ids are unusable are
// rejected one by one (the request's partial success says how many and why); the rest land.
import {
  contentFingerprint,
  documentsFingerprint,
  isOutcome,
  isStepEffect,
  queryFingerprint,
  type StepKind,
  shellToolEffect,
  TOKEN_BEARING_KINDS,
  toolArgumentsFingerprint,
} from "@leantrace/conventions";
import * as A from "@leantrace/conventions/attributes";
import type { AnyValue, AttributeMap, DecodedResourceSpans, DecodedSpan } from "@leantrace/otlp";
import { type PriceTable, priceOf, stepCost } from "@leantrace/pricing";
import { DEFAULT_PROJECT, dateTime64Text, type SpanRow } from "@leantrace/storage";
import { attributeText, attributeTextMap, structuredValue } from "./attribute-text.ts";
import {
  first,
  GENERIC_INPUT_SOURCES,
  GENERIC_OUTPUT_SOURCES,
  LANGCHAIN_TOOL_CLASSES,
  LLM_INPUT_SOURCES,
  LLM_OUTPUT_SOURCES,
  QUERY_SOURCES,
  RESULT_SOURCES,
  readModel,
  readProvider,
  readToolName,
  readWorkflow,
  stepKind,
  TOOL_ARGUMENT_SOURCES,
  type TokenCounts,
  textAt,
  tokenCounts,
} from "./dialects.ts";
import {
  boundedCount,
  boundedList,
  boundedText,
  MAX_COUNT,
  MAX_FINGERPRINT_CHARS,
  MAX_NAME_CHARS,
} from "./limits.ts";
import { inputPartFingerprints, langChainToolMessage, toolResultValue } from "./messages.ts";

// Where each column's content is looked for, by kind: built once, not for every span.
const TOOL_ARGUMENTS_OR_INPUT = [...TOOL_ARGUMENT_SOURCES, ...GENERIC_INPUT_SOURCES];
const RESULT_OR_OUTPUT = [...RESULT_SOURCES, ...GENERIC_OUTPUT_SOURCES];
const QUERY_OR_INPUT = [...QUERY_SOURCES, ...GENERIC_INPUT_SOURCES];
const LLM_INPUT_OR_INPUT = [...LLM_INPUT_SOURCES, ...GENERIC_INPUT_SOURCES];
const LLM_OUTPUT_OR_OUTPUT = [...LLM_OUTPUT_SOURCES, ...GENERIC_OUTPUT_SOURCES];

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO = /^0+$/;
const STATUS = ["unset", "ok", "error"] as const;

export interface NormalizedBatch {
  rows: SpanRow[];
  rejected: number;
  /** One sentence per distinct reason a span was rejected, for the partial-success message. */
  errors: string[];
  /** One sentence per distinct value that was changed to fit (a clamped count). */
  warnings: string[];
}

function idProblem(span: DecodedSpan): string | undefined {
  if (!TRACE_ID.test(span.traceId) || ZERO.test(span.traceId)) {
    return `trace id ${JSON.stringify(span.traceId.slice(0, 40))} is not 16 non-zero bytes`;
  }
  if (!SPAN_ID.test(span.spanId) || ZERO.test(span.spanId)) {
    return `span id ${JSON.stringify(span.spanId.slice(0, 40))} is not 8 non-zero bytes`;
  }
  if (span.parentSpanId !== "" && !SPAN_ID.test(span.parentSpanId)) {
    return `parent span id ${JSON.stringify(span.parentSpanId.slice(0, 40))} is not empty or 8 bytes`;
  }
  return undefined;
}

/** A fingerprint the SDK wrote, else one computed from content another instrumentation recorded. */
function fingerprintOf(
  attributes: AttributeMap,
  ownKey: string,
  sources: readonly string[],
  compute: (content: unknown) => string,
): string {
  const own = attributes[ownKey];
  if (typeof own === "string" && own !== "") return boundedText(own, MAX_FINGERPRINT_CHARS);
  const content = first(attributes, sources);
  return content === undefined ? "" : compute(structuredValue(content));
}

function parsedDocuments(value: AnyValue | undefined): string[] {
  const parsed = structuredValue(value);
  if (!Array.isArray(parsed)) return [];
  const ids: string[] = [];
  for (const item of parsed) {
    if (typeof item === "string") ids.push(item);
    else if (typeof item === "object" && item !== null && "id" in item) ids.push(String(item.id));
  }
  return ids;
}

/** OpenInference flattens documents into `retrieval.documents.<i>.document.id`. */
function openInferenceDocuments(attributes: AttributeMap): string[] {
  const ids: [number, string][] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (!key.startsWith(A.ATTR_OI_RETRIEVAL_DOCUMENTS_PREFIX) || !key.endsWith(".document.id")) continue;
    const index = Number(key.slice(A.ATTR_OI_RETRIEVAL_DOCUMENTS_PREFIX.length, -".document.id".length));
    if (Number.isInteger(index) && value !== null) ids.push([index, String(value)]);
  }
  return ids.sort((a, b) => a[0] - b[0]).map(([, id]) => id);
}

/** The SDK's effect, else a shell tool's command read from the arguments another instrumentation recorded. */
function toolEffect(attributes: AttributeMap, kind: StepKind, toolName: string): string {
  if (kind !== "tool") return "";
  const own = attributes[A.ATTR_LEANTRACE_TOOL_EFFECT];
  if (isStepEffect(own)) return own;
  const args = first(attributes, TOOL_ARGUMENTS_OR_INPUT);
  return args === undefined ? "" : (shellToolEffect(toolName, structuredValue(args)) ?? "");
}

function errorType(attributes: AttributeMap): string {
  const type = textAt(attributes, A.ATTR_ERROR_TYPE);
  if (type !== "") return type;
  return attributes[A.ATTR_LEANTRACE_STEP_REJECTED] === undefined ? "" : "rejected";
}

function outcomeValue(attributes: AttributeMap): number | null {
  const value = attributes[A.ATTR_LEANTRACE_OUTCOME_VALUE];
  const n = typeof value === "string" ? Number(value) : typeof value === "bigint" ? Number(value) : value;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

function resultChars(attributes: AttributeMap, sources: readonly string[]): number {
  const own = attributes[A.ATTR_LEANTRACE_RESULT_CHARS];
  if (typeof own === "number" && Number.isFinite(own) && own >= 0) return boundedCount(own);
  const content = first(attributes, sources);
  if (content === undefined) return 0;
  // A LangChain ToolMessage adds its content to the prompt, not its serialization.
  const message = langChainToolMessage(structuredValue(content));
  if (message !== undefined) {
    return typeof message.content === "string"
      ? message.content.length
      : JSON.stringify(message.content).length;
  }
  return attributeText(content).length;
}

/** A tool's name, and LangChain's tool name where Traceloop recorded only the tool's class. */
function toolNameOf(
  attributes: AttributeMap,
  kind: StepKind,
  spanName: string,
  resultSources: readonly string[],
) {
  const recorded = readToolName(attributes, kind, spanName);
  if (kind !== "tool" || !LANGCHAIN_TOOL_CLASSES.has(recorded)) return recorded;
  return langChainToolMessage(structuredValue(first(attributes, resultSources)))?.name || recorded;
}

/** Root spans that describe one operation of a library, not the application's run. */
const SINGLE_STEP_KINDS: ReadonlySet<StepKind> = new Set([
  "llm",
  "embedding",
  "retrieval",
  "rerank",
  "tool",
  "reasoning",
]);
/** Vercel's `ai.generateText`, ...; LangChain's graph and runnables. */
const LIBRARY_ROOT_NAMES = /^(?:ai\.[A-Za-z.]+|LangGraph|Runnable[A-Za-z]*|AgentExecutor)$/;

/**
 * The workflow of a run whose root span names none: when the root span is a library's name for
 * one operation (an LLM call, an embedding, a tool; a span named `{operation} {model}` such as
 * Vercel's `invoke_agent gpt-4o-mini`; `ai.generateText`; LangChain's `LangGraph`), its name
 * would put the runs of every application together: the run is named after the agent the span
 * names (`gen_ai.agent.name`), else after the service (`service.name`, unless the SDK's default
 * `unknown_service...`). Any other root span keeps naming its run, as before.
 */
function rootWorkflow(
  span: DecodedSpan,
  kind: StepKind,
  attributes: AttributeMap,
  resource: AttributeMap,
): string {
  const operation = textAt(attributes, A.ATTR_GEN_AI_OPERATION_NAME);
  const model = readModel(attributes);
  const generic =
    SINGLE_STEP_KINDS.has(kind) ||
    LIBRARY_ROOT_NAMES.test(span.name) ||
    (operation !== "" &&
      (span.name === operation || (model !== "" && span.name === `${operation} ${model}`)));
  if (!generic) return "";
  const agent = textAt(attributes, A.ATTR_GEN_AI_AGENT_NAME);
  if (agent !== "") return agent;
  const service = textAt(resource, A.ATTR_SERVICE_NAME);
  return service.startsWith("unknown_service") ? "" : service;
}

/** The time of the latest `leantrace.outcome` event, in nanoseconds; 0 when there is none. */
function outcomeDecidedAt(span: DecodedSpan): bigint {
  let latest = 0n;
  for (const event of span.events) {
    if (event.name === A.EVENT_LEANTRACE_OUTCOME && event.timeUnixNano > latest) latest = event.timeUnixNano;
  }
  return latest;
}

export interface NormalizeOptions {
  /** The project every row belongs to. @default "default" */
  project?: string;
  /** Prices used to cost each step. */
  prices: PriceTable;
  /**
   * Longest text kept in an attribute value, span name or status message; longer ones are cut
   * with a marker. Fingerprints are taken before cutting.
   * @default 65536
   */
  maxAttributeChars?: number;
}

interface RowContext {
  project: string;
  resource: AttributeMap;
  scope: { name: string; version: string };
  runIds: Map<string, string>;
  prices: PriceTable;
  maxChars: number;
  /** Collects what had to be changed to fit, for the answer. */
  warn: (warning: string) => void;
}

/** Token counts that fit their columns; a clamped one is reported. */
function boundedCounts(counts: TokenCounts, spanId: string, warn: (w: string) => void): TokenCounts {
  const bounded = { ...counts };
  for (const key of Object.keys(counts) as (keyof TokenCounts)[]) {
    bounded[key] = boundedCount(counts[key]);
    if (counts[key] > MAX_COUNT) {
      warn(`span ${spanId}: a token count of ${counts[key]} was clamped to ${MAX_COUNT}`);
    }
  }
  return bounded;
}

/** A name-like column: valid text, cut like an attribute. */
const name = (value: string) => boundedText(value, MAX_NAME_CHARS);

function spanRow(
  span: DecodedSpan,
  { project, resource, scope, runIds, prices, maxChars, warn }: RowContext,
): SpanRow {
  const a = span.attributes;
  const isRoot = span.parentSpanId === "";
  const counts = boundedCounts(tokenCounts(a), span.spanId, warn);
  const kind: StepKind = stepKind(a, span.name, isRoot, counts);
  const counted = TOKEN_BEARING_KINDS.has(kind);
  const outcome = textAt(a, A.ATTR_LEANTRACE_OUTCOME);
  const documentIds = (() => {
    const own = parsedDocuments(a[A.ATTR_GEN_AI_RETRIEVAL_DOCUMENTS]);
    return own.length > 0 ? own : openInferenceDocuments(a);
  })();
  const resultSources = kind === "llm" ? RESULT_SOURCES : RESULT_OR_OUTPUT;
  const model = name(readModel(a));
  const toolName = name(toolNameOf(a, kind, span.name, resultSources));
  const price = counted && model !== "" ? priceOf(prices, model) : undefined;
  const start = span.startTimeUnixNano;
  const end = span.endTimeUnixNano;
  return {
    project,
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    run_id: name(textAt(a, A.ATTR_LEANTRACE_RUN_ID) || (runIds.get(span.traceId) ?? span.traceId)),
    workflow: name(readWorkflow(a) || (isRoot ? rootWorkflow(span, kind, a, resource) : "")),
    span_name: boundedText(span.name, maxChars),
    kind,
    operation: name(textAt(a, A.ATTR_GEN_AI_OPERATION_NAME)),
    service_name: name(textAt(resource, A.ATTR_SERVICE_NAME)),
    service_version: name(textAt(resource, A.ATTR_SERVICE_VERSION)),
    ci_run_id: name(textAt(a, A.ATTR_LEANTRACE_CI_RUN_ID) || textAt(resource, A.ATTR_LEANTRACE_CI_RUN_ID)),
    case_id: name(textAt(a, A.ATTR_LEANTRACE_CASE_ID)),
    model,
    provider: name(readProvider(a)),
    input_tokens: counts.input,
    output_tokens: counts.output,
    cache_read_input_tokens: counts.cacheRead,
    cache_creation_input_tokens: counts.cacheCreation,
    reasoning_output_tokens: counts.reasoning,
    // Cached input is part of input and reasoning part of output: never added again.
    total_tokens: counted ? counts.input + counts.output : 0,
    cost:
      price === undefined
        ? null
        : stepCost(price, {
            inputTokens: counts.input,
            outputTokens: counts.output,
            cacheReadInputTokens: counts.cacheRead,
            cacheCreationInputTokens: counts.cacheCreation,
          }),
    duplicate_of: "",
    tool_name: toolName,
    tool_args_fp: fingerprintOf(
      a,
      A.ATTR_LEANTRACE_FP_TOOL_ARGS,
      kind === "tool" ? TOOL_ARGUMENTS_OR_INPUT : TOOL_ARGUMENT_SOURCES,
      toolArgumentsFingerprint,
    ),
    effect: toolEffect(a, kind, toolName),
    result_fp: fingerprintOf(a, A.ATTR_LEANTRACE_FP_TOOL_RESULT, resultSources, (content) =>
      contentFingerprint(toolResultValue(content)),
    ),
    result_chars: resultChars(a, resultSources),
    query_fp: fingerprintOf(
      a,
      A.ATTR_LEANTRACE_FP_QUERY,
      kind === "retrieval" ? QUERY_OR_INPUT : QUERY_SOURCES,
      queryFingerprint,
    ),
    data_source: name(textAt(a, A.ATTR_GEN_AI_DATA_SOURCE_ID)),
    document_ids: boundedList(documentIds, MAX_NAME_CHARS),
    documents_fp: boundedText(
      textAt(a, A.ATTR_LEANTRACE_FP_DOCUMENTS) ||
        (documentIds.length > 0 ? documentsFingerprint(documentIds) : ""),
      MAX_FINGERPRINT_CHARS,
    ),
    input_fp: fingerprintOf(
      a,
      A.ATTR_LEANTRACE_FP_INPUT,
      kind === "llm" ? LLM_INPUT_OR_INPUT : LLM_INPUT_SOURCES,
      contentFingerprint,
    ),
    input_part_fps: boundedList(inputPartFingerprints(a), MAX_FINGERPRINT_CHARS),
    output_fp: fingerprintOf(
      a,
      A.ATTR_LEANTRACE_FP_OUTPUT,
      kind === "llm" ? LLM_OUTPUT_OR_OUTPUT : LLM_OUTPUT_SOURCES,
      contentFingerprint,
    ),
    outcome: isOutcome(outcome) ? outcome : "",
    outcome_value: outcomeValue(a),
    outcome_decided_at: dateTime64Text(outcomeDecidedAt(span)),
    final_answer: a[A.ATTR_LEANTRACE_FINAL_ANSWER] === true ? 1 : 0,
    status_code: STATUS[span.statusCode] ?? "unset",
    status_message: boundedText(span.statusMessage, maxChars),
    error_type: name(errorType(a)),
    start_time: dateTime64Text(start),
    end_time: dateTime64Text(end),
    duration_ns: (end > start ? end - start : 0n).toString(),
    span_attributes: attributeTextMap(a, maxChars),
    resource_attributes: attributeTextMap(resource, maxChars),
    scope_name: name(scope.name),
    scope_version: name(scope.version),
  };
}

/**
 * `leantrace.run.id` set on some spans of a trace applies to the trace's other spans in the
 * same request (our SDK sets it on every span, so this matters only for other emitters).
 */
function runIdsByTrace(request: DecodedResourceSpans[]): Map<string, string> {
  const runIds = new Map<string, string>();
  for (const rs of request) {
    const resourceRun = textAt(rs.resource, A.ATTR_LEANTRACE_RUN_ID);
    for (const ss of rs.scopeSpans) {
      for (const span of ss.spans) {
        const runId = textAt(span.attributes, A.ATTR_LEANTRACE_RUN_ID) || resourceRun;
        if (runId !== "" && !runIds.has(span.traceId)) runIds.set(span.traceId, runId);
      }
    }
  }
  return runIds;
}

export const DEFAULT_MAX_ATTRIBUTE_CHARS = 65_536;

export function normalizeTraceRequest(
  request: DecodedResourceSpans[],
  options: NormalizeOptions,
): NormalizedBatch {
  const { prices } = options;
  const project = options.project ?? DEFAULT_PROJECT;
  const maxChars = options.maxAttributeChars ?? DEFAULT_MAX_ATTRIBUTE_CHARS;
  const runIds = runIdsByTrace(request);
  const rows: SpanRow[] = [];
  const errors = new Set<string>();
  const warnings = new Set<string>();
  const warn = (warning: string) => {
    if (warnings.size < 5) warnings.add(warning);
  };
  let rejected = 0;
  for (const rs of request) {
    for (const ss of rs.scopeSpans) {
      for (const reason of ss.rejected) {
        rejected++;
        errors.add(reason);
      }
      for (const span of ss.spans) {
        const problem = idProblem(span);
        if (problem !== undefined) {
          rejected++;
          errors.add(problem);
          continue;
        }
        const scope = { name: ss.scopeName, version: ss.scopeVersion };
        rows.push(spanRow(span, { project, resource: rs.resource, scope, runIds, prices, maxChars, warn }));
      }
    }
  }
  return { rows, rejected, errors: [...errors].slice(0, 5), warnings: [...warnings] };
}
