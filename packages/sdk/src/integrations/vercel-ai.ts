// The Vercel AI SDK (`ai` 7): a telemetry integration that turns its lifecycle events into
// leantrace steps. `generateText`, `streamText`, `embed` and `embedMany` become a run (or an
// agent of the leantrace workflow they run in), each provider call an llm or embedding step
// with the provider's usage, each tool execution a tool step. The AI SDK hands integrations the
// messages, tool inputs and outputs, so fingerprints are recorded without content, which is
// recorded only with the SDK's content capture. Types are structural: nothing here imports `ai`.
import { context } from "@opentelemetry/api";
import { runOf } from "../run-context.ts";
import {
  finishLlm,
  finishTool,
  isRecord,
  type OpenStep,
  openLlm,
  openRun,
  openTool,
  type PartsMessage,
  usageOf,
} from "./steps.ts";

// --- the parts of the AI SDK's events read here (a subset of its types) ---

interface OperationEvent {
  readonly callId: string;
  readonly operationId?: string;
  readonly functionId?: string;
  readonly modelId?: string;
}

interface ModelCallStartEvent {
  readonly callId: string;
  readonly provider?: string;
  readonly modelId?: string;
  readonly instructions?: unknown;
  readonly messages?: readonly unknown[];
}

interface ModelCallEndEvent {
  readonly callId: string;
  readonly modelId?: string;
  readonly usage?: unknown;
  readonly content?: readonly unknown[];
}

interface ToolCallOf {
  readonly toolCallId: string;
  readonly toolName: string;
  readonly input?: unknown;
}

interface ToolStartEvent {
  readonly callId: string;
  readonly toolCall: ToolCallOf;
}

interface ToolEndEvent {
  readonly callId: string;
  readonly toolCall: ToolCallOf;
  readonly toolOutput?: unknown;
}

interface EmbedCallStartEvent {
  readonly callId: string;
  readonly embedCallId: string;
  readonly provider?: string;
  readonly modelId?: string;
}

interface EmbedCallEndEvent {
  readonly embedCallId: string;
  readonly usage?: unknown;
}

/** An AI SDK content part (`text`, `tool-call`, `tool-result`, ...) as a GenAI part. */
function partOf(part: unknown): unknown {
  if (!isRecord(part)) return part;
  switch (part.type) {
    case "text":
    case "reasoning":
      return { type: part.type, content: part.text };
    case "tool-call":
      return { type: "tool_call", id: part.toolCallId, name: part.toolName, arguments: part.input };
    case "tool-result": {
      // `output: {type: "json" | "text" | ..., value}` is how a result travels in the prompt.
      const output = part.output;
      const response = isRecord(output) && "value" in output ? output.value : output;
      return { type: "tool_call_response", id: part.toolCallId, response };
    }
    default:
      return part;
  }
}

function messageOf(message: unknown): PartsMessage {
  if (!isRecord(message)) return { role: "user", parts: [{ type: "text", content: message }] };
  const content = message.content;
  const parts = Array.isArray(content) ? content.map(partOf) : [{ type: "text", content }];
  return { role: String(message.role ?? "user"), parts };
}

function promptOf(event: ModelCallStartEvent): PartsMessage[] {
  const messages = (event.messages ?? []).map(messageOf);
  if (typeof event.instructions === "string" && event.instructions !== "") {
    messages.unshift({ role: "system", parts: [{ type: "text", content: event.instructions }] });
  }
  return messages;
}

/** The AI SDK's usage: input includes cached input, output includes reasoning, as ours. */
function usageOfModelCall(usage: unknown) {
  if (!isRecord(usage)) return undefined;
  const input = isRecord(usage.inputTokenDetails) ? usage.inputTokenDetails : {};
  const output = isRecord(usage.outputTokenDetails) ? usage.outputTokenDetails : {};
  return usageOf(
    usage.inputTokens,
    usage.outputTokens,
    input.cacheReadTokens,
    input.cacheWriteTokens,
    output.reasoningTokens,
  );
}

/** One AI SDK call (`callId`): its run step and the steps open under it. */
interface CallSteps {
  run: OpenStep;
  llm?: OpenStep;
  tools: Map<string, OpenStep>;
  embeds: Map<string, OpenStep>;
}

/**
 * The integration itself, for `registerTelemetry(new LeantraceTelemetry())` (every call) or a
 * call's `telemetry: { integrations: [...] }`; `leantraceTelemetry()` builds the latter.
 */
export class LeantraceTelemetry {
  private readonly calls = new Map<string, CallSteps>();

  constructor(private readonly options: { functionId?: string } = {}) {}

  onStart(event: OperationEvent): void {
    const name = event.functionId ?? this.options.functionId ?? event.operationId ?? "ai";
    this.calls.set(event.callId, {
      run: openRun(name, context.active()),
      tools: new Map(),
      embeds: new Map(),
    });
  }

  onLanguageModelCallStart(event: ModelCallStartEvent): void {
    const call = this.calls.get(event.callId);
    if (call === undefined) return;
    call.llm?.end();
    call.llm = openLlm(
      { model: event.modelId, provider: event.provider, messages: promptOf(event) },
      call.run.context,
    );
  }

  onLanguageModelCallEnd(event: ModelCallEndEvent): void {
    const call = this.calls.get(event.callId);
    if (call?.llm === undefined) return;
    const parts = (event.content ?? []).map(partOf);
    finishLlm(call.llm, {
      usage: usageOfModelCall(event.usage),
      model: event.modelId,
      output: { role: "assistant", parts },
    });
    call.llm = undefined;
  }

  /** Runs the provider call inside its llm step: a provider's own instrumentation nests there. */
  executeLanguageModelCall<T>(options: { callId: string; execute: () => PromiseLike<T> }): PromiseLike<T> {
    const step = this.calls.get(options.callId)?.llm;
    return step === undefined ? options.execute() : context.with(step.context, options.execute);
  }

  onToolExecutionStart(event: ToolStartEvent): void {
    const call = this.calls.get(event.callId);
    if (call === undefined) return;
    const { toolCall } = event;
    call.tools.set(toolCall.toolCallId, openTool(toolCall.toolName, toolCall.input, call.run.context));
  }

  /** Runs the tool inside its step: steps the tool records itself are its children. */
  executeTool<T>(options: {
    callId: string;
    toolCallId: string;
    execute: () => PromiseLike<T>;
  }): PromiseLike<T> {
    const step = this.calls.get(options.callId)?.tools.get(options.toolCallId);
    return step === undefined ? options.execute() : context.with(step.context, options.execute);
  }

  onToolExecutionEnd(event: ToolEndEvent): void {
    const call = this.calls.get(event.callId);
    const step = call?.tools.get(event.toolCall.toolCallId);
    if (call === undefined || step === undefined) return;
    call.tools.delete(event.toolCall.toolCallId);
    const output = isRecord(event.toolOutput) ? event.toolOutput : {};
    if (output.type === "tool-error") step.fail(output.error);
    else finishTool(step, output.output);
  }

  onEmbedStart(event: EmbedCallStartEvent): void {
    const call = this.calls.get(event.callId);
    if (call === undefined) return;
    call.embeds.set(
      event.embedCallId,
      openLlm({ model: event.modelId, provider: event.provider, operation: "embeddings" }, call.run.context),
    );
  }

  onEmbedEnd(event: EmbedCallEndEvent): void {
    for (const call of this.calls.values()) {
      const step = call.embeds.get(event.embedCallId);
      if (step === undefined) continue;
      call.embeds.delete(event.embedCallId);
      const tokens = isRecord(event.usage) ? event.usage.tokens : undefined;
      finishLlm(step, { usage: usageOf(tokens, undefined) });
      return;
    }
  }

  onEnd(event: { readonly callId: string }): void {
    const call = this.calls.get(event.callId);
    if (call === undefined) return;
    this.calls.delete(event.callId);
    call.llm?.end();
    for (const step of [...call.tools.values(), ...call.embeds.values()]) step.end();
    call.run.end();
  }

  /** The AI SDK reports an error as `{ callId, error }`; anything else cannot be placed. */
  onError(event: unknown): void {
    if (!isRecord(event) || typeof event.callId !== "string") return;
    const call = this.calls.get(event.callId);
    if (call === undefined) return;
    this.calls.delete(event.callId);
    const error = event.error ?? event;
    call.llm?.fail(error);
    for (const step of [...call.tools.values(), ...call.embeds.values()]) step.fail(error);
    call.run.fail(error);
  }

  onAbort(event: { readonly callId: string }): void {
    this.onError({ callId: event.callId, error: new Error("aborted") });
  }
}

export interface LeantraceTelemetryOptions {
  /**
   * The name of the run (`ai.telemetry.functionId` to the AI SDK). Inside a leantrace
   * `workflow(...)` the call is an agent of that workflow, named so; default: the workflow's name.
   */
  functionId?: string;
}

/** What `leantraceTelemetry()` returns: the AI SDK's `telemetry` (or `experimental_telemetry`) option. */
export interface LeantraceTelemetrySettings {
  isEnabled: true;
  functionId?: string;
  integrations: LeantraceTelemetry[];
}

/**
 * `generateText({ ..., telemetry: leantraceTelemetry() })`: this call's steps go to leantrace,
 * and to no other integration registered globally (a call's own integrations replace those).
 * Inputs and outputs stay on (the AI SDK's default) because the integration fingerprints them;
 * they reach the spans only with content capture.
 */
export function leantraceTelemetry(options: LeantraceTelemetryOptions = {}): LeantraceTelemetrySettings {
  const functionId = options.functionId ?? runOf(context.active())?.workflow;
  const integration = new LeantraceTelemetry(functionId === undefined ? {} : { functionId });
  return functionId === undefined
    ? { isEnabled: true, integrations: [integration] }
    : { isEnabled: true, functionId, integrations: [integration] };
}
