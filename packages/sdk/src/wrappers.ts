// The public wrappers. Each is an async function around the user's code: it returns the code's
// result, records errors on the span and rethrows them. Without `init()` the OpenTelemetry API
// hands out non-recording spans and every wrapper skips its attribute work.
import {
  contentFingerprint,
  documentsFingerprint,
  type Outcome,
  queryFingerprint,
  type StepEffect,
  shellToolEffect,
  toolArgumentsFingerprint,
} from "@leantrace/conventions";
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
import { type Attributes, ROOT_CONTEXT } from "@opentelemetry/api";
import { withRun } from "./run-context.ts";
import { sdkSettings } from "./settings.ts";
import { preciseNow, runStep, type Step, usageAttributes } from "./step.ts";
import { readResponse, type TokenUsage } from "./usage.ts";

export type { Step } from "./step.ts";

/** Serialises content for an attribute; strings stay as they are. */
function asText(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
}

function contentAttributes(entries: Record<string, unknown>): Attributes {
  const { captureContent, redact } = sdkSettings();
  if (!captureContent) return {};
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined) continue;
    const text = asText(value);
    attributes[key] = redact === undefined ? text : redact(text, key);
  }
  return attributes;
}

/** Fingerprint and size of a tool's or retrieval's result: what it adds to a later prompt. */
function resultAttributes(result: unknown): Attributes {
  if (result === undefined) return {};
  return {
    [ATTR_LEANTRACE_FP_TOOL_RESULT]: contentFingerprint(result),
    [ATTR_LEANTRACE_RESULT_CHARS]: asText(result).length,
  };
}

// --- workflow ---

export interface WorkflowOptions {
  /** Groups several traces into one run; the trace id is the run id otherwise. */
  runId?: string;
  /** The evaluation case (task, test case) this run works on. */
  caseId?: string;
  attributes?: Attributes;
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
export async function workflow<T>(
  name: string,
  fn: (run: WorkflowRun) => Promise<T> | T,
  options: WorkflowOptions = {},
): Promise<T> {
  let outcomeSet = false;
  return runStep(
    {
      spanName: `invoke_workflow ${name}`,
      kind: "workflow",
      operation: "invoke_workflow",
      // A workflow starts its own trace: a run is a trace unless runId says otherwise.
      parent: ROOT_CONTEXT,
      attributes: () => ({
        [ATTR_GEN_AI_WORKFLOW_NAME]: name,
        ...(options.runId === undefined ? {} : { [ATTR_LEANTRACE_RUN_ID]: options.runId }),
        ...(options.caseId === undefined ? {} : { [ATTR_LEANTRACE_CASE_ID]: options.caseId }),
        ...options.attributes,
      }),
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
      return fn(run);
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
}

function inputAttributes(input: unknown): Attributes {
  if (input === undefined) return {};
  const attributes: Attributes = { [ATTR_LEANTRACE_FP_INPUT]: contentFingerprint(input) };
  if (Array.isArray(input)) {
    attributes[ATTR_LEANTRACE_FP_INPUT_PARTS] = input.map((message) =>
      contentFingerprint(
        typeof message === "object" && message !== null && "content" in message ? message.content : message,
      ),
    );
  }
  return { ...attributes, ...contentAttributes({ [ATTR_GEN_AI_INPUT_MESSAGES]: input }) };
}

/**
 * An LLM call. Return the provider's response (OpenAI, Anthropic or Gemini shape) and its token
 * counts, model and output fingerprint are read from it; or pass `usage`, or call `setUsage`.
 */
export async function llm<T>(options: LlmOptions, fn: (step: Step) => Promise<T> | T): Promise<T> {
  const operation = options.operation ?? "chat";
  return runStep(
    {
      spanName: options.model === undefined ? operation : `${operation} ${options.model}`,
      kind: operation === "embeddings" ? "embedding" : "llm",
      operation,
      attributes: () => ({
        ...(options.model === undefined ? {} : { [ATTR_GEN_AI_REQUEST_MODEL]: options.model }),
        ...(options.provider === undefined ? {} : { [ATTR_GEN_AI_PROVIDER_NAME]: options.provider }),
        ...(options.finalAnswer ? { [ATTR_LEANTRACE_FINAL_ANSWER]: true } : {}),
        ...inputAttributes(options.input),
      }),
      fromResult: (result, state) => {
        const facts = readResponse(result);
        const attributes: Attributes = usageAttributes({ ...facts.usage, ...options.usage, ...state.usage });
        if (facts.model !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = facts.model;
        if (options.model === undefined && facts.model !== undefined) {
          attributes[ATTR_GEN_AI_REQUEST_MODEL] = facts.model;
        }
        if (options.provider === undefined && facts.provider !== undefined) {
          attributes[ATTR_GEN_AI_PROVIDER_NAME] = facts.provider;
        }
        const output = facts.output ?? (typeof result === "string" ? result : undefined);
        if (output !== undefined) {
          attributes[ATTR_LEANTRACE_FP_OUTPUT] = contentFingerprint(output);
          Object.assign(attributes, contentAttributes({ [ATTR_GEN_AI_OUTPUT_MESSAGES]: output }));
        }
        return attributes;
      },
    },
    fn,
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

/**
 * A tool call. The arguments' fingerprint is always recorded, the arguments only with content
 * capture; so is the call's effect (`options.effect`, or a shell command's).
 */
export async function tool<T>(
  name: string,
  args: unknown,
  fn: (step: Step) => Promise<T> | T,
  options: ToolOptions = {},
): Promise<T> {
  return runStep(
    {
      spanName: `execute_tool ${name}`,
      kind: "tool",
      operation: "execute_tool",
      attributes: () => {
        const effect = options.effect ?? shellToolEffect(name, args);
        return {
          [ATTR_GEN_AI_TOOL_NAME]: name,
          [ATTR_LEANTRACE_FP_TOOL_ARGS]: toolArgumentsFingerprint(args),
          ...(effect === undefined ? {} : { [ATTR_LEANTRACE_TOOL_EFFECT]: effect }),
          ...contentAttributes({ [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: args }),
        };
      },
      fromResult: (result, state) => ({
        ...usageAttributes(state.usage),
        ...resultAttributes(result),
        ...contentAttributes({ [ATTR_GEN_AI_TOOL_CALL_RESULT]: result }),
      }),
    },
    fn,
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

/**
 * A retrieval. Return the documents (strings or objects with an `id`), or return the context
 * built from them and name them with `step.setDocuments`: their ids are recorded as
 * `gen_ai.retrieval.documents`, with a fingerprint of the set.
 */
export async function retrieval<T>(
  options: RetrievalOptions,
  fn: (step: RetrievalStep) => Promise<T> | T,
): Promise<T> {
  let named: RetrievedDocument[] | undefined;
  return runStep(
    {
      spanName: options.dataSource === undefined ? "retrieval" : `retrieval ${options.dataSource}`,
      kind: "retrieval",
      operation: "retrieval",
      attributes: () => ({
        [ATTR_LEANTRACE_FP_QUERY]: queryFingerprint(options.query),
        ...(options.dataSource === undefined ? {} : { [ATTR_GEN_AI_DATA_SOURCE_ID]: options.dataSource }),
        ...contentAttributes({ [ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT]: options.query }),
      }),
      fromResult: (result, state) => {
        const documents = named ?? documentsOf(result);
        const attributes: Attributes = usageAttributes(state.usage);
        if (documents !== undefined) {
          attributes[ATTR_GEN_AI_RETRIEVAL_DOCUMENTS] = JSON.stringify(documents);
          attributes[ATTR_LEANTRACE_FP_DOCUMENTS] = documentsFingerprint(documents.map((d) => d.id));
        }
        return { ...attributes, ...resultAttributes(result) };
      },
    },
    (step) =>
      fn({
        ...step,
        setDocuments: (documents) => {
          named = documentsOf(documents);
        },
      }),
  );
}

// --- reasoning, plan, agent ---

/** A reasoning step (`gen_ai.operation.name` = `plan`): thinking that is not itself an LLM call. */
export async function reasoning<T>(name: string, fn: (step: Step) => Promise<T> | T): Promise<T> {
  return runStep(
    { spanName: `plan ${name}`, kind: "reasoning", operation: "plan", attributes: () => ({}) },
    fn,
  );
}

/** The same as `reasoning`: planning is reasoning. */
export const plan = reasoning;

/** An agent invoked within a workflow (`invoke_agent`). */
export async function agent<T>(name: string, fn: (step: Step) => Promise<T> | T): Promise<T> {
  return runStep(
    {
      spanName: `invoke_agent ${name}`,
      kind: "agent",
      operation: "invoke_agent",
      attributes: () => ({ [ATTR_GEN_AI_AGENT_NAME]: name }),
    },
    fn,
  );
}
