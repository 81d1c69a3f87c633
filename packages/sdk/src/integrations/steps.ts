// What the integrations share: a step that starts in one callback and ends in another (a
// library's start and end events, where the wrappers run a function), and the attributes of
// each kind of step written from what those events carry. The wrappers' own rules apply:
// fingerprints always, content only with content capture, the run travelling in the context.
// Messages are given here as the GenAI conventions' messages of `parts`, whatever library they
// came from, and fingerprinted by the conventions' rule for them: a tool's result and the later
// message that carries it then get one fingerprint, as the collector computes it from the
// content other instrumentations record.
import {
  documentsFingerprint,
  messageFingerprint,
  type StepKind,
  shellToolEffect,
} from "@leantrace/conventions";
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RETRIEVAL_DOCUMENTS,
  ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_LEANTRACE_FP_DOCUMENTS,
  ATTR_LEANTRACE_FP_INPUT,
  ATTR_LEANTRACE_FP_INPUT_PARTS,
  ATTR_LEANTRACE_FP_OUTPUT,
  ATTR_LEANTRACE_FP_QUERY,
  ATTR_LEANTRACE_FP_TOOL_ARGS,
  ATTR_LEANTRACE_FP_TOOL_RESULT,
  ATTR_LEANTRACE_OUTCOME,
  ATTR_LEANTRACE_RESULT_CHARS,
  ATTR_LEANTRACE_STEP_KIND,
  ATTR_LEANTRACE_TOOL_EFFECT,
} from "@leantrace/conventions/attributes";
import { type Context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { argumentsFingerprint, inputFingerprints, rememberedQueryFingerprint } from "../content-memo.ts";
import { runOf, withRun } from "../run-context.ts";
import { sdkSettings } from "../settings.ts";
import { preciseNow, stepTracer, writeRun, writeUsage } from "../step.ts";
import { count, knownCounts, type TokenUsage } from "../usage.ts";
import { asText, writeContent } from "../wrappers.ts";

export type { TokenUsage } from "../usage.ts";

/** A GenAI conventions message: a role and its parts (`text`, `tool_call`, `tool_call_response`). */
export interface PartsMessage {
  role: string;
  parts: unknown[];
}

/** A step between the event that started it and the one that ends it. */
export interface OpenStep {
  readonly span: Span;
  /** The context the step's children start from: its span, and the run when it is the root. */
  readonly context: Context;
  readonly recording: boolean;
  /** Ends the step; later calls do nothing (libraries may report an end twice). */
  end(): void;
  /** Records the error (status and exception event) and ends the step. */
  fail(error: unknown): void;
}

interface StepOptions {
  spanName: string;
  kind: StepKind;
  operation: string;
  parent: Context;
  /** When the step started, if it was before now (milliseconds since the epoch). */
  startTime?: number;
}

class CallbackStep implements OpenStep {
  private ended = false;
  context: Context;

  constructor(
    readonly span: Span,
    readonly recording: boolean,
    parent: Context,
    /** A run's root: a failure before an outcome is the run's outcome. */
    private readonly root: boolean,
  ) {
    this.context = trace.setSpan(parent, span);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end(preciseNow());
  }

  fail(error: unknown): void {
    if (this.ended) return;
    if (this.recording) {
      if (this.root) this.span.setAttribute(ATTR_LEANTRACE_OUTCOME, "failure");
      this.span.recordException(error instanceof Error ? error : String(error));
      this.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    this.end();
  }
}

export function openStep(options: StepOptions, root = false): OpenStep {
  const span = stepTracer().startSpan(
    options.spanName,
    { kind: SpanKind.INTERNAL, startTime: options.startTime ?? preciseNow() },
    options.parent,
  );
  const recording = span.isRecording();
  if (recording) {
    span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, options.operation);
    span.setAttribute(ATTR_LEANTRACE_STEP_KIND, options.kind);
    writeRun(span, options.parent);
  }
  return new CallbackStep(span, recording, options.parent, root);
}

/**
 * The step a library's own run (a chain, a trace, a generateText call) starts: inside a
 * leantrace `workflow(...)` an agent of that workflow, so its run stays one run with the
 * workflow's name and outcome; outside one, the workflow itself, named `name`.
 */
export function openRun(name: string, parent: Context, startTime?: number): OpenStep {
  if (runOf(parent) !== undefined) return openAgent(name, parent, startTime);
  const step = openStep(
    {
      spanName: `invoke_workflow ${name}`,
      kind: "workflow",
      operation: "invoke_workflow",
      parent,
      startTime,
    },
    true,
  ) as CallbackStep;
  if (step.recording) step.span.setAttribute(ATTR_GEN_AI_WORKFLOW_NAME, name);
  step.context = withRun(step.context, { workflow: name });
  return step;
}

/** An agent within a run (an @openai/agents agent, a nested LangChain agent). */
export function openAgent(name: string, parent: Context, startTime?: number): OpenStep {
  const step = openStep({
    spanName: `invoke_agent ${name}`,
    kind: "agent",
    operation: "invoke_agent",
    parent,
    startTime,
  });
  if (step.recording) step.span.setAttribute(ATTR_GEN_AI_AGENT_NAME, name);
  return step;
}

// --- llm ---

export interface LlmStart {
  model?: string;
  provider?: string;
  /** The messages sent, as GenAI messages of parts. */
  messages?: readonly PartsMessage[];
  operation?: "chat" | "text_completion" | "embeddings";
}

export function openLlm(start: LlmStart, parent: Context, startTime?: number): OpenStep {
  const operation = start.operation ?? "chat";
  const step = openStep({
    spanName: start.model === undefined ? operation : `${operation} ${start.model}`,
    kind: operation === "embeddings" ? "embedding" : "llm",
    operation,
    parent,
    startTime,
  });
  if (!step.recording) return step;
  const { span } = step;
  if (start.model !== undefined) span.setAttribute(ATTR_GEN_AI_REQUEST_MODEL, start.model);
  if (start.provider !== undefined) span.setAttribute(ATTR_GEN_AI_PROVIDER_NAME, start.provider);
  if (start.messages !== undefined) writeInput(span, start.messages);
  return step;
}

function writeInput(span: Span, messages: readonly PartsMessage[]): void {
  if (messages.length === 0) return;
  const captureContent = sdkSettings().captureContent;
  const fingerprints = inputFingerprints(messages, captureContent);
  span.setAttribute(ATTR_LEANTRACE_FP_INPUT, fingerprints.input);
  if (fingerprints.parts !== undefined) span.setAttribute(ATTR_LEANTRACE_FP_INPUT_PARTS, fingerprints.parts);
  if (captureContent) writeContent(span, ATTR_GEN_AI_INPUT_MESSAGES, messages, fingerprints.text);
}

export interface LlmEnd {
  usage?: TokenUsage;
  /** The messages sent, when the library reports them only at the end. */
  messages?: readonly PartsMessage[];
  /** The model asked for, when the library reports it only at the end. */
  requestModel?: string;
  provider?: string;
  /** The model the provider says answered. */
  model?: string;
  /** The answer, as one assistant message of parts. */
  output?: PartsMessage;
}

export function finishLlm(step: OpenStep, end: LlmEnd): void {
  if (step.recording) {
    const { span } = step;
    writeUsage(span, end.usage);
    if (end.messages !== undefined) writeInput(span, end.messages);
    if (end.requestModel !== undefined) span.setAttribute(ATTR_GEN_AI_REQUEST_MODEL, end.requestModel);
    if (end.provider !== undefined) span.setAttribute(ATTR_GEN_AI_PROVIDER_NAME, end.provider);
    if (end.model !== undefined) span.setAttribute(ATTR_GEN_AI_RESPONSE_MODEL, end.model);
    if (end.output !== undefined && end.output.parts.length > 0) {
      // Fingerprinted as the message the next call's input holds it as: carried tokens follow it.
      span.setAttribute(ATTR_LEANTRACE_FP_OUTPUT, messageFingerprint(end.output));
      writeContent(span, ATTR_GEN_AI_OUTPUT_MESSAGES, [end.output]);
    }
  }
  step.end();
}

// --- tool ---

export function openTool(name: string, args: unknown, parent: Context, startTime?: number): OpenStep {
  const step = openStep({
    spanName: `execute_tool ${name}`,
    kind: "tool",
    operation: "execute_tool",
    parent,
    startTime,
  });
  if (!step.recording) return step;
  step.span.setAttribute(ATTR_GEN_AI_TOOL_NAME, name);
  if (args !== undefined) writeToolArguments(step, name, args);
  return step;
}

/** The call's arguments (and the effect a shell command has), for a library that reports them late. */
export function writeToolArguments(step: OpenStep, name: string, args: unknown): void {
  if (!step.recording) return;
  const { span } = step;
  span.setAttribute(ATTR_LEANTRACE_FP_TOOL_ARGS, argumentsFingerprint(args));
  writeContent(span, ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, args);
  const effect = shellToolEffect(name, args);
  if (effect !== undefined) span.setAttribute(ATTR_LEANTRACE_TOOL_EFFECT, effect);
}

/**
 * A tool's result, fingerprinted as the `tool_call_response` part the next LLM call carries it
 * in (a JSON text as its value), so the analyzers see that it was read.
 */
export function finishTool(step: OpenStep, result: unknown): void {
  if (step.recording && result !== undefined) {
    const { span } = step;
    const text = asText(result);
    span.setAttribute(
      ATTR_LEANTRACE_FP_TOOL_RESULT,
      messageFingerprint({ role: "tool", parts: [{ type: "tool_call_response", response: result }] }),
    );
    span.setAttribute(ATTR_LEANTRACE_RESULT_CHARS, text.length);
    writeContent(span, ATTR_GEN_AI_TOOL_CALL_RESULT, result, text);
  }
  step.end();
}

// --- retrieval ---

export function openRetrieval(query: string, dataSource: string | undefined, parent: Context): OpenStep {
  const step = openStep({
    spanName: dataSource === undefined ? "retrieval" : `retrieval ${dataSource}`,
    kind: "retrieval",
    operation: "retrieval",
    parent,
  });
  if (!step.recording) return step;
  step.span.setAttribute(ATTR_LEANTRACE_FP_QUERY, rememberedQueryFingerprint(query));
  if (dataSource !== undefined) step.span.setAttribute(ATTR_GEN_AI_DATA_SOURCE_ID, dataSource);
  writeContent(step.span, ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT, query);
  return step;
}

/**
 * The documents found, by id. No result fingerprint: the documents reach the prompt formatted
 * by the application, where no fingerprint of them can be found again, and a result never found
 * would be reported as unused.
 */
export function finishRetrieval(step: OpenStep, documents: readonly { id: string; score?: number }[]): void {
  if (step.recording) {
    step.span.setAttribute(ATTR_GEN_AI_RETRIEVAL_DOCUMENTS, JSON.stringify(documents));
    step.span.setAttribute(ATTR_LEANTRACE_FP_DOCUMENTS, documentsFingerprint(documents.map((d) => d.id)));
  }
  step.end();
}

// --- small readers shared by the integrations ---

export { count, isRecord, type Json } from "../usage.ts";

/** Only the counts known, so that a missing one is not written as 0. */
export function usageOf(
  inputTokens: unknown,
  outputTokens: unknown,
  cacheReadInputTokens?: unknown,
  cacheCreationInputTokens?: unknown,
  reasoningOutputTokens?: unknown,
): TokenUsage | undefined {
  return knownCounts(
    count(inputTokens),
    count(outputTokens),
    count(cacheReadInputTokens),
    count(cacheCreationInputTokens),
    count(reasoningOutputTokens),
  );
}

/** Epoch milliseconds of an ISO time a library reports, when it is one. */
export function epochMillis(iso: unknown): number | undefined {
  if (typeof iso !== "string") return undefined;
  const millis = Date.parse(iso);
  return Number.isNaN(millis) ? undefined : millis;
}
