// The public wrappers. Each runs the user's code in a step and returns a promise of the code's
// result; an error is recorded on the span and the promise rejects with it (never a synchronous
// throw). Without `init()` the OpenTelemetry API hands out non-recording spans and every wrapper
// skips its attribute work. Attributes are written one by one, straight onto the span: a step is
// called thousands of times a run, and every object built on the way costs allocation and GC.
import { documentsFingerprint, type Outcome, type StepEffect, shellToolEffect } from "@leantrace/conventions";
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_DATA_SOURCE_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
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
  ATTR_LEANTRACE_CASE_ID,
  ATTR_LEANTRACE_FINAL_ANSWER,
  ATTR_LEANTRACE_FP_DOCUMENTS,
  ATTR_LEANTRACE_FP_INPUT,
  ATTR_LEANTRACE_FP_INPUT_PARTS,
  ATTR_LEANTRACE_FP_OUTPUT,
  ATTR_LEANTRACE_FP_QUERY,
  ATTR_LEANTRACE_FP_TOOL_ARGS,
  ATTR_LEANTRACE_FP_TOOL_RESULT,
  ATTR_LEANTRACE_OUTCOME,
  ATTR_LEANTRACE_OUTCOME_VALUE,
  ATTR_LEANTRACE_RESULT_CHARS,
  ATTR_LEANTRACE_RUN_ID,
  ATTR_LEANTRACE_TOOL_EFFECT,
  EVENT_LEANTRACE_OUTCOME,
} from "@leantrace/conventions/attributes";
import { type Attributes, ROOT_CONTEXT, type Span } from "@opentelemetry/api";
import type { StepEstimate } from "./budget.ts";
import {
  argumentsFingerprint,
  inputFingerprints,
  rememberedQueryFingerprint,
  resultFingerprint,
} from "./content-memo.ts";
import {
  type BudgetSetting,
  currentGuards,
  guardedLlm,
  guardedLookup,
  guardedTool,
  runGuards,
  withGuards,
} from "./guards.ts";
import type { LoopGuardOptions } from "./loop-guard.ts";
import { withRun } from "./run-context.ts";
import { sdkSettings } from "./settings.ts";
import { preciseNow, runStep, type Step, type StepState, writeUsage } from "./step.ts";
import { readResponse, type TokenUsage } from "./usage.ts";

export type { Step } from "./step.ts";

/** Serialises content for an attribute; strings stay as they are. */
export function asText(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}

/**
 * Records content (with content capture only), through the redaction hook. `text` is the value
 * as text when the caller has it already.
 */
export function writeContent(span: Span, key: string, value: unknown, text?: string): void {
  const { captureContent, redact } = sdkSettings();
  if (!captureContent || value === undefined) return;
  const content = text ?? asText(value);
  span.setAttribute(key, redact === undefined ? content : redact(content, key));
}

/** Fingerprint and size of a tool's or retrieval's result: what it adds to a later prompt. */
function writeResult(span: Span, result: unknown): string | undefined {
  if (result === undefined) return undefined;
  const text = asText(result);
  span.setAttribute(ATTR_LEANTRACE_FP_TOOL_RESULT, resultFingerprint(result));
  span.setAttribute(ATTR_LEANTRACE_RESULT_CHARS, text.length);
  return text;
}

// --- workflow ---

export interface WorkflowOptions {
  /** Groups several traces into one run; the trace id is the run id otherwise. */
  runId?: string;
  /** The evaluation case (task, test case) this run works on. */
  caseId?: string;
  attributes?: Attributes;
  /**
   * Limits on the run's LLM steps: `{ maxTokens, maxCost, onExceeded }` (this run alone), or a
   * `createBudget(...)` / `teamBudget(...)` shared by several runs, or a list of them. Off by default.
   */
  budget?: BudgetSetting;
  /** Stops the run where the analyzers would see a loop (`true`, or thresholds and `onLoop`). Off by default. */
  loopGuard?: boolean | LoopGuardOptions;
}

/** The running workflow: its id, and where its outcome is recorded. */
export interface WorkflowRun extends Step {
  /** `leantrace.run.id` when given, else the trace id (lowercase hex). */
  readonly runId: string;
  setOutcome(outcome: Outcome, value?: number): void;
  success(value?: number): void;
  failure(value?: number): void;
}

/**
 * A workflow run: the root of a trace. Record its outcome through the handle; a run whose
 * function throws before an outcome was set is recorded as a failure.
 */
export function workflow<T>(
  name: string,
  fn: (run: WorkflowRun) => Promise<T> | T,
  options: WorkflowOptions = {},
): Promise<T> {
  let outcomeSet = false;
  let guards: ReturnType<typeof runGuards>;
  try {
    guards = runGuards(options.budget, options.loopGuard);
  } catch (error) {
    // Options that cannot work reject like any other error: a wrapper never throws synchronously.
    return Promise.reject(error);
  }
  return runStep(
    {
      spanName: `invoke_workflow ${name}`,
      kind: "workflow",
      operation: "invoke_workflow",
      // A workflow starts its own trace: a run is a trace unless runId says otherwise.
      parent: ROOT_CONTEXT,
      data: undefined,
      start: (span) => {
        span.setAttribute(ATTR_GEN_AI_WORKFLOW_NAME, name);
        if (options.runId !== undefined) span.setAttribute(ATTR_LEANTRACE_RUN_ID, options.runId);
        if (options.caseId !== undefined) span.setAttribute(ATTR_LEANTRACE_CASE_ID, options.caseId);
        if (options.attributes !== undefined) span.setAttributes(options.attributes);
      },
      enter: (ctx) =>
        withRun(
          ctx,
          options.runId === undefined ? { workflow: name } : { workflow: name, runId: options.runId },
        ),
      onError: (span) => {
        if (!outcomeSet && span.isRecording()) span.setAttribute(ATTR_LEANTRACE_OUTCOME, "failure");
      },
    },
    (step) => {
      const setOutcome = (outcome: Outcome, value?: number) => {
        outcomeSet = true;
        // The event's time marks when the outcome was decided: later steps did not serve it.
        if (step.recording) {
          step.span.addEvent(EVENT_LEANTRACE_OUTCOME, { [ATTR_LEANTRACE_OUTCOME]: outcome }, preciseNow());
        }
        step.setAttribute(ATTR_LEANTRACE_OUTCOME, outcome);
        if (value !== undefined) step.setAttribute(ATTR_LEANTRACE_OUTCOME_VALUE, value);
      };
      const run: WorkflowRun = {
        ...step,
        runId: options.runId ?? step.span.spanContext().traceId,
        setOutcome,
        success: (value) => setOutcome("success", value),
        failure: (value) => setOutcome("failure", value),
      };
      return withGuards(guards, () => fn(run));
    },
  );
}

// --- llm ---

export interface LlmOptions {
  /** The requested model; the response's model is recorded too when it differs. */
  model?: string;
  /** `gen_ai.provider.name` (openai, anthropic, ...); guessed from the response shape otherwise. */
  provider?: string;
  /** The messages sent; fingerprinted always, recorded only with content capture. */
  input?: unknown;
  /** `chat` by default; `text_completion`, `generate_content` or `embeddings` also fit. */
  operation?: "chat" | "text_completion" | "generate_content" | "embeddings";
  /** Token counts by hand, when the response does not carry them. */
  usage?: TokenUsage;
  /** This call produces the run's final answer: steps after it served no outcome. */
  finalAnswer?: boolean;
  /** What the call is expected to spend, for a budget's reservation; else the model's recent average. */
  estimate?: StepEstimate;
}

function writeInput(span: Span, input: unknown): void {
  if (input === undefined) return;
  const captureContent = sdkSettings().captureContent;
  const fingerprints = inputFingerprints(input, captureContent);
  span.setAttribute(ATTR_LEANTRACE_FP_INPUT, fingerprints.input);
  if (fingerprints.parts !== undefined) span.setAttribute(ATTR_LEANTRACE_FP_INPUT_PARTS, fingerprints.parts);
  if (captureContent) writeContent(span, ATTR_GEN_AI_INPUT_MESSAGES, input, fingerprints.text);
}

function startLlm(span: Span, options: LlmOptions): void {
  if (options.model !== undefined) span.setAttribute(ATTR_GEN_AI_REQUEST_MODEL, options.model);
  if (options.provider !== undefined) span.setAttribute(ATTR_GEN_AI_PROVIDER_NAME, options.provider);
  if (options.finalAnswer) span.setAttribute(ATTR_LEANTRACE_FINAL_ANSWER, true);
  writeInput(span, options.input);
}

function finishLlm(span: Span, result: unknown, state: StepState, options: LlmOptions): void {
  const facts = readResponse(result);
  // Counts by hand win over the response's, key by key (as object spread merges them).
  writeUsage(
    span,
    options.usage === undefined && state.usage === undefined
      ? facts.usage
      : { ...facts.usage, ...options.usage, ...state.usage },
  );
  if (facts.model !== undefined) {
    span.setAttribute(ATTR_GEN_AI_RESPONSE_MODEL, facts.model);
    if (options.model === undefined) span.setAttribute(ATTR_GEN_AI_REQUEST_MODEL, facts.model);
  }
  if (options.provider === undefined && facts.provider !== undefined) {
    span.setAttribute(ATTR_GEN_AI_PROVIDER_NAME, facts.provider);
  }
  const output = facts.output ?? (typeof result === "string" ? result : undefined);
  if (output !== undefined) {
    span.setAttribute(ATTR_LEANTRACE_FP_OUTPUT, resultFingerprint(output));
    writeContent(span, ATTR_GEN_AI_OUTPUT_MESSAGES, output);
  }
}

/**
 * An LLM call. Return the provider's response (OpenAI, Anthropic or Gemini shape) and its token
 * counts, model and output fingerprint are read from it; or pass `usage`, or call `setUsage`.
 */
export function llm<T>(options: LlmOptions, fn: (step: Step) => Promise<T> | T): Promise<T> {
  const operation = options.operation ?? "chat";
  const kind = operation === "embeddings" ? "embedding" : "llm";
  const guards = currentGuards();
  return runStep(
    {
      spanName: options.model === undefined ? operation : `${operation} ${options.model}`,
      kind,
      operation,
      data: options,
      start: startLlm,
      finish: finishLlm,
    },
    guards === undefined
      ? fn
      : (step) =>
          guardedLlm(
            guards,
            { model: options.model, kind, estimate: options.estimate, usage: options.usage },
            step,
            fn,
          ),
  );
}

// --- tool ---

export interface ToolOptions {
  /**
   * What the call does to the world: `read` (changes nothing), `write` (may change what later
   * calls return) or `none` (no effect at all, like a `think` tool). Shell tools (`bash`, ...)
   * are classified from their command; other tools, when not told, by their name at analysis.
   */
  effect?: StepEffect;
}

interface ToolCall {
  name: string;
  args: unknown;
  effect: StepEffect | undefined;
  /** Set when the step starts (only a recorded step starts): the loop guard reads them too. */
  argsFingerprint?: string;
}

function startTool(span: Span, call: ToolCall): void {
  call.effect ??= shellToolEffect(call.name, call.args);
  call.argsFingerprint = argumentsFingerprint(call.args);
  span.setAttribute(ATTR_GEN_AI_TOOL_NAME, call.name);
  span.setAttribute(ATTR_LEANTRACE_FP_TOOL_ARGS, call.argsFingerprint);
  if (call.effect !== undefined) span.setAttribute(ATTR_LEANTRACE_TOOL_EFFECT, call.effect);
  writeContent(span, ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, call.args);
}

function finishTool(span: Span, result: unknown, state: StepState): void {
  writeUsage(span, state.usage);
  const text = writeResult(span, result);
  writeContent(span, ATTR_GEN_AI_TOOL_CALL_RESULT, result, text);
}

/**
 * A tool call. The arguments' fingerprint is always recorded, the arguments only with content
 * capture; so is the call's effect (`options.effect`, or a shell command's).
 */
export function tool<T>(
  name: string,
  args: unknown,
  fn: (step: Step) => Promise<T> | T,
  options: ToolOptions = {},
): Promise<T> {
  const guards = currentGuards();
  const call: ToolCall = { name, args, effect: options.effect };
  return runStep(
    {
      spanName: `execute_tool ${name}`,
      kind: "tool",
      operation: "execute_tool",
      data: call,
      start: startTool,
      finish: finishTool,
    },
    guards?.loop === undefined
      ? fn
      : (step) => guardedTool(guards, call, step, fn, (result) => writeResult(step.span, result)),
  );
}

// --- retrieval ---

export interface RetrievalOptions {
  /** The query, or the queries sent together (order and repeats do not matter). */
  query: string | readonly string[];
  /** `gen_ai.data_source.id`: the index, collection or store searched. */
  dataSource?: string;
}

/** A retrieved document: its id, and its score when known. */
export interface RetrievedDocument {
  id: string;
  score?: number;
}

function documentsOf(result: unknown): RetrievedDocument[] | undefined {
  if (!Array.isArray(result)) return undefined;
  const documents: RetrievedDocument[] = [];
  for (const item of result) {
    if (typeof item === "string") documents.push({ id: item });
    else if (typeof item === "object" && item !== null && "id" in item) {
      const score = "score" in item && typeof item.score === "number" ? item.score : undefined;
      documents.push(score === undefined ? { id: String(item.id) } : { id: String(item.id), score });
    } else return undefined;
  }
  return documents;
}

/** A retrieval step: it can name the documents it found when it returns something else. */
export interface RetrievalStep extends Step {
  /** The documents found, when the function returns the context built from them instead. */
  setDocuments(documents: readonly (string | RetrievedDocument)[]): void;
}

interface RetrievalCall {
  options: RetrievalOptions;
  /** What `setDocuments` named. */
  named: RetrievedDocument[] | undefined;
}

function startRetrieval(span: Span, call: RetrievalCall): void {
  const { query, dataSource } = call.options;
  span.setAttribute(ATTR_LEANTRACE_FP_QUERY, rememberedQueryFingerprint(query));
  if (dataSource !== undefined) span.setAttribute(ATTR_GEN_AI_DATA_SOURCE_ID, dataSource);
  writeContent(span, ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT, query);
}

function finishRetrieval(span: Span, result: unknown, state: StepState, call: RetrievalCall): void {
  writeUsage(span, state.usage);
  const documents = call.named ?? documentsOf(result);
  if (documents !== undefined) {
    span.setAttribute(ATTR_GEN_AI_RETRIEVAL_DOCUMENTS, JSON.stringify(documents));
    span.setAttribute(ATTR_LEANTRACE_FP_DOCUMENTS, documentsFingerprint(documents.map((d) => d.id)));
  }
  writeResult(span, result);
}

/**
 * A retrieval. Return the documents (strings or objects with an `id`), or return the context
 * built from them and name them with `step.setDocuments`: their ids are recorded as
 * `gen_ai.retrieval.documents`, with a fingerprint of the set.
 */
export function retrieval<T>(
  options: RetrievalOptions,
  fn: (step: RetrievalStep) => Promise<T> | T,
): Promise<T> {
  const call: RetrievalCall = { options, named: undefined };
  const guards = currentGuards();
  return runStep(
    {
      spanName: options.dataSource === undefined ? "retrieval" : `retrieval ${options.dataSource}`,
      kind: "retrieval",
      operation: "retrieval",
      data: call,
      start: startRetrieval,
      finish: finishRetrieval,
    },
    (step) => {
      // Assigned, not written in a literal: see stepHandle in step.ts.
      const handle = { ...step } as RetrievalStep;
      handle.setDocuments = (documents) => {
        call.named = documentsOf(documents);
      };
      return guards?.loop === undefined ? fn(handle) : guardedLookup(guards, handle, fn);
    },
  );
}

// --- reasoning, plan, agent ---

/** A reasoning step (`gen_ai.operation.name` = `plan`): thinking that is not itself an LLM call. */
export function reasoning<T>(name: string, fn: (step: Step) => Promise<T> | T): Promise<T> {
  return runStep({ spanName: `plan ${name}`, kind: "reasoning", operation: "plan", data: undefined }, fn);
}

/** The same as `reasoning`: planning is reasoning. */
export const plan = reasoning;

function startAgent(span: Span, name: string): void {
  span.setAttribute(ATTR_GEN_AI_AGENT_NAME, name);
}

/** An agent invoked within a workflow (`invoke_agent`). */
export function agent<T>(name: string, fn: (step: Step) => Promise<T> | T): Promise<T> {
  return runStep(
    {
      spanName: `invoke_agent ${name}`,
      kind: "agent",
      operation: "invoke_agent",
      data: name,
      start: startAgent,
    },
    fn,
  );
}
