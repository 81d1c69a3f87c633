// The OpenAI Agents SDK (@openai/agents): a trace processor that records its traces as
// leantrace runs. A trace is the run, named after the trace's workflow name (or an agent of the
// leantrace workflow it runs in); its agent spans become agent steps, function spans tool
// steps, response spans (the Responses API) and generation spans (chat completions) llm steps
// with the provider's usage. Handoffs, guardrails, turns and custom spans add no step: what runs
// in them hangs from the nearest step. Types are structural: nothing here imports @openai/agents.
import { type Context, context } from "@opentelemetry/api";
import { readResponse } from "../usage.ts";
import {
  epochMillis,
  finishLlm,
  finishTool,
  isRecord,
  type Json,
  type OpenStep,
  openAgent,
  openLlm,
  openRun,
  openTool,
  type PartsMessage,
  usageOf,
  writeToolArguments,
} from "./steps.ts";

/** What is read of an @openai/agents trace (its `Trace` class). */
export interface AgentsTrace {
  readonly traceId: string;
  readonly name: string;
}

/** What is read of an @openai/agents span (its `Span` class). */
export interface AgentsSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string | null;
  readonly spanData: { readonly type: string } & Record<string, unknown>;
  readonly startedAt?: string | null;
  readonly error?: { readonly message: string } | null;
}

/** A Responses API input text (`input_text`, `output_text` parts) as GenAI parts. */
function textParts(content: unknown): unknown[] {
  if (content === undefined || content === null || content === "") return [];
  if (!Array.isArray(content)) return [{ type: "text", content }];
  return content.map((part) =>
    isRecord(part) && typeof part.text === "string" ? { type: "text", content: part.text } : part,
  );
}

/** A function call's output: text, or the one text part it was sent as. */
function outputValue(output: unknown): unknown {
  if (
    Array.isArray(output) &&
    output.length === 1 &&
    isRecord(output[0]) &&
    typeof output[0].text === "string"
  ) {
    return output[0].text;
  }
  return isRecord(output) && typeof output.text === "string" ? output.text : output;
}

/** One Responses API item (a message, a function call, its output), in the API's or the SDK's form, as a GenAI message. */
function responsesItem(item: unknown): PartsMessage {
  if (!isRecord(item)) return { role: "user", parts: textParts(item) };
  switch (item.type) {
    case "function_call":
      return {
        role: "assistant",
        parts: [
          { type: "tool_call", id: item.call_id ?? item.callId, name: item.name, arguments: item.arguments },
        ],
      };
    // The API's name, and the SDK's own (`function_call_result`, which the span's input holds).
    case "function_call_output":
    case "function_call_result":
      return {
        role: "tool",
        parts: [
          { type: "tool_call_response", id: item.call_id ?? item.callId, response: outputValue(item.output) },
        ],
      };
    default:
      return { role: String(item.role ?? "user"), parts: textParts(item.content) };
  }
}

function responsesInput(input: unknown): PartsMessage[] {
  if (typeof input === "string") return [{ role: "user", parts: [{ type: "text", content: input }] }];
  return Array.isArray(input) ? input.map(responsesItem) : [];
}

/** A response's output items as the one assistant message they make. */
function responsesOutput(output: unknown): PartsMessage {
  const parts = Array.isArray(output) ? output.flatMap((item) => responsesItem(item).parts) : [];
  return { role: "assistant", parts };
}

/** A chat completions message (generation spans) as a GenAI message. */
function chatMessage(message: unknown): PartsMessage {
  if (!isRecord(message)) return { role: "user", parts: textParts(message) };
  const role = String(message.role ?? "user");
  if (role === "tool") {
    return {
      role,
      parts: [{ type: "tool_call_response", id: message.tool_call_id, response: message.content }],
    };
  }
  const parts = textParts(message.content);
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      const fn = isRecord(call) && isRecord(call.function) ? call.function : {};
      parts.push({
        type: "tool_call",
        id: isRecord(call) ? call.id : undefined,
        name: fn.name,
        arguments: fn.arguments,
      });
    }
  }
  return { role, parts };
}

/** A generation span's usage: `input_tokens`, `output_tokens`, and details where the model gave them. */
function generationUsage(usage: unknown) {
  if (!isRecord(usage)) return undefined;
  const details: Json = isRecord(usage.details) ? usage.details : {};
  const inputDetails = isRecord(details.input_tokens_details) ? details.input_tokens_details : details;
  const outputDetails = isRecord(details.output_tokens_details) ? details.output_tokens_details : details;
  return usageOf(
    usage.input_tokens,
    usage.output_tokens,
    inputDetails.cached_tokens,
    undefined,
    outputDetails.reasoning_tokens,
  );
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * `addTraceProcessor(new LeantraceTraceProcessor())` (next to the OpenAI exporter), or
 * `setTraceProcessors([new LeantraceTraceProcessor()])` (instead of it).
 */
export class LeantraceTraceProcessor {
  private readonly traces = new Map<string, OpenStep>();
  /** Span id to its step, or, for spans that add none, the context their children start from. */
  private readonly spans = new Map<string, { step: OpenStep | undefined; context: Context }>();

  async onTraceStart(trace: AgentsTrace): Promise<void> {
    this.traces.set(trace.traceId, openRun(trace.name || "agents", context.active()));
  }

  async onTraceEnd(trace: AgentsTrace): Promise<void> {
    this.traces.get(trace.traceId)?.end();
    this.traces.delete(trace.traceId);
  }

  private parentOf(span: AgentsSpan): Context {
    const parent = span.parentId === null ? undefined : this.spans.get(span.parentId);
    return parent?.context ?? this.traces.get(span.traceId)?.context ?? context.active();
  }

  async onSpanStart(span: AgentsSpan): Promise<void> {
    const parent = this.parentOf(span);
    const data = span.spanData;
    const startTime = epochMillis(span.startedAt);
    let step: OpenStep | undefined;
    switch (data.type) {
      case "agent":
        step = openAgent(stringOf(data.name) ?? "agent", parent, startTime);
        break;
      case "function":
        // Its arguments are set after it started: written when it ends.
        step = openTool(stringOf(data.name) ?? "function", undefined, parent, startTime);
        break;
      case "response":
      case "generation":
        step = openLlm({ model: stringOf(data.model) }, parent, startTime);
        break;
    }
    this.spans.set(span.spanId, { step, context: step?.context ?? parent });
  }

  async onSpanEnd(span: AgentsSpan): Promise<void> {
    const entry = this.spans.get(span.spanId);
    this.spans.delete(span.spanId);
    const step = entry?.step;
    if (step === undefined) return;
    const data = span.spanData;
    if (data.type === "function") writeToolArguments(step, stringOf(data.name) ?? "function", data.input);
    if (span.error) {
      step.fail(new Error(span.error.message));
      return;
    }
    switch (data.type) {
      case "function":
        finishTool(step, data.output);
        return;
      case "response": {
        // The response and its input are there unless `traceIncludeSensitiveData` is off.
        const facts = readResponse(data._response);
        const response = isRecord(data._response) ? data._response : {};
        // The model is known only now; the span was named before.
        if (facts.model !== undefined) step.span.updateName(`chat ${facts.model}`);
        finishLlm(step, {
          usage: facts.usage,
          model: facts.model,
          requestModel: facts.model,
          provider: facts.provider,
          messages: responsesInput(data._input),
          output: responsesOutput(response.output),
        });
        return;
      }
      case "generation": {
        const output = Array.isArray(data.output) ? data.output : [];
        finishLlm(step, {
          usage: generationUsage(data.usage),
          provider: "openai",
          messages: Array.isArray(data.input) ? data.input.map(chatMessage) : [],
          output: { role: "assistant", parts: output.flatMap((message) => chatMessage(message).parts) },
        });
        return;
      }
      default:
        step.end();
    }
  }

  async shutdown(): Promise<void> {
    this.close();
  }

  /** Steps are ended as their spans end; the SDK's exporter flushes them (`sdk.forceFlush()`). */
  async forceFlush(): Promise<void> {}

  /** Ends what is still open, so that a shutdown mid-run loses no step. */
  private close(): void {
    for (const entry of this.spans.values()) entry.step?.end();
    for (const step of this.traces.values()) step.end();
    this.spans.clear();
    this.traces.clear();
  }
}
