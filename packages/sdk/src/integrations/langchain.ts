// LangChain.js: a callback handler that records LangChain's runs as leantrace steps. Chat
// model and LLM calls become llm steps (model, provider, usage with cached and reasoning
// tokens), tools tool steps, retrievers retrieval steps; the outermost chain is the run (or an
// agent of the leantrace workflow it runs in). Chains inside it are LangChain's plumbing
// (sequences, graph nodes) and add no step: what runs in them hangs from the nearest step.
//
// LangChain takes a plain object of handler methods and wraps it in its own BaseCallbackHandler
// (`BaseCallbackHandler.fromMethods`, which copies the object's own properties): so the
// handler's methods are own properties, and it has no `name`, which would make LangChain take it
// for a handler of its own class. Nothing here imports @langchain/core.
import { contentFingerprint } from "@leantrace/conventions";
import { type Context, context } from "@opentelemetry/api";
import {
  finishLlm,
  finishRetrieval,
  finishTool,
  isRecord,
  type Json,
  type OpenStep,
  openLlm,
  openRetrieval,
  openRun,
  openTool,
  type PartsMessage,
  type TokenUsage,
  usageOf,
} from "./steps.ts";

export interface LeantraceCallbackHandlerOptions {
  /** The run's name when the handler's outermost chain starts one; default: the chain's name. */
  workflow?: string;
}

/** What a LangChain run (`runId`) left open: its step, and where its children start. */
interface RunEntry {
  step: OpenStep | undefined;
  context: Context;
}

const ROLES: Record<string, string> = { human: "user", ai: "assistant", system: "system", tool: "tool" };

/** A LangChain message's type (`human`, `ai`, `tool`, ...), from whichever accessor it has. */
function typeOf(message: Json): string {
  if (typeof message.type === "string") return message.type;
  for (const accessor of ["getType", "_getType"]) {
    const getter = message[accessor];
    if (typeof getter === "function") {
      const type: unknown = getter.call(message);
      if (typeof type === "string") return type;
    }
  }
  return typeof message.role === "string" ? message.role : "user";
}

function textParts(content: unknown): unknown[] {
  if (content === undefined || content === null || content === "") return [];
  if (!Array.isArray(content)) return [{ type: "text", content }];
  return content.map((block) =>
    isRecord(block) && block.type === "text" ? { type: "text", content: block.text } : block,
  );
}

/** A LangChain message (a BaseMessage, or its plain form) as a GenAI message of parts. */
function messageOf(message: unknown): PartsMessage {
  if (!isRecord(message)) return { role: "user", parts: textParts(message) };
  const type = typeOf(message);
  const role = ROLES[type] ?? type;
  if (role === "tool") {
    return {
      role,
      parts: [{ type: "tool_call_response", id: message.tool_call_id, response: message.content }],
    };
  }
  const parts = textParts(message.content);
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (isRecord(call))
        parts.push({ type: "tool_call", id: call.id, name: call.name, arguments: call.args });
    }
  }
  return { role, parts };
}

/** `usage_metadata` of an AI message: cached reads and writes, reasoning, where reported. */
function messageUsage(message: unknown): TokenUsage | undefined {
  if (!isRecord(message) || !isRecord(message.usage_metadata)) return undefined;
  const usage = message.usage_metadata;
  const input = isRecord(usage.input_token_details) ? usage.input_token_details : {};
  const output = isRecord(usage.output_token_details) ? usage.output_token_details : {};
  return usageOf(
    usage.input_tokens,
    usage.output_tokens,
    input.cache_read,
    input.cache_creation,
    output.reasoning,
  );
}

/** The first generation of an LLMResult, and the usage of the call. */
function resultOf(output: unknown): { message: unknown; text: unknown; usage: TokenUsage | undefined } {
  const generations = isRecord(output) && Array.isArray(output.generations) ? output.generations : [];
  const first: unknown = Array.isArray(generations[0]) ? generations[0][0] : undefined;
  const message = isRecord(first) ? first.message : undefined;
  const text = isRecord(first) ? first.text : undefined;
  let usage = messageUsage(message);
  if (usage === undefined && isRecord(output) && isRecord(output.llmOutput)) {
    // Older integrations (and completion models) report counts only for the whole call.
    const tokenUsage = output.llmOutput.tokenUsage ?? output.llmOutput.estimatedTokenUsage;
    if (isRecord(tokenUsage)) usage = usageOf(tokenUsage.promptTokens, tokenUsage.completionTokens);
  }
  return { message, text, usage };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The last element of a serialized object's id (`["langchain", "chat_models", "ChatOpenAI"]`). */
function serializedName(serialized: unknown): string | undefined {
  if (!isRecord(serialized)) return undefined;
  if (typeof serialized.name === "string") return serialized.name;
  return Array.isArray(serialized.id) ? stringOf(serialized.id[serialized.id.length - 1]) : undefined;
}

/** A retrieved document's id: its own, else its metadata's id or source, else its text's fingerprint. */
function documentId(document: unknown): string {
  if (!isRecord(document)) return contentFingerprint(document);
  const metadata = isRecord(document.metadata) ? document.metadata : {};
  const id = document.id ?? metadata.id ?? metadata.source;
  return typeof id === "string" || typeof id === "number"
    ? String(id)
    : contentFingerprint(document.pageContent);
}

/**
 * `callbacks: [new LeantraceCallbackHandler()]` on an invoke (or a model, tool, retriever): the
 * runs LangChain reports become leantrace steps, nested as LangChain nests them.
 */
export class LeantraceCallbackHandler {
  /** LangChain awaits the handler: each step starts and ends in the agent's own context and order. */
  readonly awaitHandlers = true;

  /**
   * In the order LangChain calls it (@langchain/core 1.4's CallbackManager): the parent run
   * fourth, the run's name eighth. Its declaration names them otherwise (`runType` fourth,
   * `parentRunId` eighth), with types that fit either way.
   */
  readonly handleChainStart: (
    chain: unknown,
    inputs: unknown,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runType?: string,
    runName?: string,
  ) => void;
  readonly handleChainEnd: (outputs: unknown, runId: string) => void;
  readonly handleChainError: (error: unknown, runId: string) => void;
  readonly handleChatModelStart: (
    llm: unknown,
    messages: readonly (readonly unknown[])[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ) => void;
  readonly handleLLMStart: (
    llm: unknown,
    prompts: readonly string[],
    runId: string,
    parentRunId?: string,
    extraParams?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ) => void;
  readonly handleLLMEnd: (output: unknown, runId: string) => void;
  readonly handleLLMError: (error: unknown, runId: string) => void;
  readonly handleToolStart: (
    tool: unknown,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ) => void;
  // biome-ignore lint/suspicious/noExplicitAny: LangChain declares the tool's output as `any`; `unknown` here would not accept its declaration.
  readonly handleToolEnd: (output: any, runId: string) => void;
  readonly handleToolError: (error: unknown, runId: string) => void;
  readonly handleRetrieverStart: (
    retriever: unknown,
    query: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    metadata?: Record<string, unknown>,
    name?: string,
  ) => void;
  readonly handleRetrieverEnd: (documents: readonly unknown[], runId: string) => void;
  readonly handleRetrieverError: (error: unknown, runId: string) => void;

  constructor(options: LeantraceCallbackHandlerOptions = {}) {
    const runs = new Map<string, RunEntry>();
    const parentOf = (parentRunId: string | undefined): Context =>
      (parentRunId === undefined ? undefined : runs.get(parentRunId)?.context) ?? context.active();
    const open = (runId: string, step: OpenStep) => {
      runs.set(runId, { step, context: step.context });
    };
    const close = (runId: string): OpenStep | undefined => {
      const entry = runs.get(runId);
      runs.delete(runId);
      return entry?.step;
    };
    const fail = (error: unknown, runId: string) => close(runId)?.fail(error);

    this.handleChainStart = (chain, _inputs, runId, parentRunId, _tags, _metadata, _runType, runName) => {
      const parent = parentRunId === undefined ? undefined : runs.get(parentRunId);
      if (parent !== undefined) {
        // Plumbing inside the run: its children hang from the parent's step.
        runs.set(runId, { step: undefined, context: parent.context });
        return;
      }
      const name = options.workflow ?? runName ?? serializedName(chain) ?? "langchain";
      open(runId, openRun(name, context.active()));
    };
    this.handleChainEnd = (_outputs, runId) => close(runId)?.end();
    this.handleChainError = fail;

    const startLlm = (
      messages: PartsMessage[],
      runId: string,
      parentRunId: string | undefined,
      extraParams: Record<string, unknown> | undefined,
      metadata: Record<string, unknown> | undefined,
      operation: "chat" | "text_completion",
    ) => {
      const invocation = isRecord(extraParams?.invocation_params) ? extraParams.invocation_params : {};
      const model =
        stringOf(invocation.model) ?? stringOf(invocation.model_name) ?? stringOf(metadata?.ls_model_name);
      open(
        runId,
        openLlm(
          { model, provider: stringOf(metadata?.ls_provider), messages, operation },
          parentOf(parentRunId),
        ),
      );
    };
    this.handleChatModelStart = (_llm, messages, runId, parentRunId, extraParams, _tags, metadata) =>
      startLlm((messages[0] ?? []).map(messageOf), runId, parentRunId, extraParams, metadata, "chat");
    this.handleLLMStart = (_llm, prompts, runId, parentRunId, extraParams, _tags, metadata) =>
      startLlm(
        prompts.map((prompt) => ({ role: "user", parts: [{ type: "text", content: prompt }] })),
        runId,
        parentRunId,
        extraParams,
        metadata,
        "text_completion",
      );
    this.handleLLMEnd = (output, runId) => {
      const step = close(runId);
      if (step === undefined) return;
      const { message, text, usage } = resultOf(output);
      const answer =
        message === undefined ? { role: "assistant", parts: textParts(text) } : messageOf(message);
      const responseMetadata =
        isRecord(message) && isRecord(message.response_metadata) ? message.response_metadata : {};
      finishLlm(step, { usage, model: stringOf(responseMetadata.model_name), output: answer });
    };
    this.handleLLMError = fail;

    this.handleToolStart = (tool, input, runId, parentRunId, _tags, _metadata, runName) => {
      const name = runName ?? serializedName(tool) ?? "tool";
      open(runId, openTool(name, input, parentOf(parentRunId)));
    };
    this.handleToolEnd = (output: unknown, runId) => {
      const step = close(runId);
      if (step === undefined) return;
      // A tool called for a model's tool call returns a ToolMessage: its content is the result.
      const isToolMessage = isRecord(output) && "content" in output && "tool_call_id" in output;
      finishTool(step, isToolMessage ? output.content : output);
    };
    this.handleToolError = fail;

    this.handleRetrieverStart = (retriever, query, runId, parentRunId, _tags, _metadata, name) => {
      open(runId, openRetrieval(query, name ?? serializedName(retriever), parentOf(parentRunId)));
    };
    this.handleRetrieverEnd = (documents, runId) => {
      const step = close(runId);
      if (step === undefined) return;
      finishRetrieval(
        step,
        documents.map((document) => {
          const score =
            isRecord(document) && isRecord(document.metadata) ? document.metadata.score : undefined;
          return typeof score === "number" && Number.isFinite(score)
            ? { id: documentId(document), score }
            : { id: documentId(document) };
        }),
      );
    };
    this.handleRetrieverError = fail;
  }
}
