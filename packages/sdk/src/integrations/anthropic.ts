// `wrapAnthropic(client)`: the Anthropic client's messages as leantrace steps. The client is
// seen through proxies, never changed. No dependency on `@anthropic-ai/sdk`: only the shapes of
// its calls and results are relied on (see provider-call.ts).
import {
  type CallPlan,
  creating,
  isRecord,
  type PlannedCall,
  type StreamReader,
  view,
  type WrapOptions,
  wrappedWithOptions,
} from "./provider-call.ts";

export type { WrapOptions } from "./provider-call.ts";

// Parameters are `never`: any method is assignable, whatever its overloads take.
type AnyMethod = (...args: never[]) => unknown;

/** What `wrapAnthropic` needs of a client: the `@anthropic-ai/sdk` package's `Anthropic`. */
export interface AnthropicLike {
  messages: { create: AnyMethod };
}

type Json = Record<string, unknown>;

interface BlockSoFar {
  block: Json;
  /** A tool_use block's input arrives as pieces of JSON text. */
  json: string;
}

/** The usage fields a later event reports replace the earlier ones; the others are kept. */
function mergeUsage(into: Json, usage: unknown): void {
  if (!isRecord(usage)) return;
  for (const [key, value] of Object.entries(usage))
    if (value !== null && value !== undefined) into[key] = value;
}

/**
 * Message stream events put back together into the message `create` returns whole:
 * `message_start` has the message with the input usage, each block comes as
 * `content_block_start` and its deltas, and `message_delta` has the final output count (and,
 * from newer models, the input counts again).
 */
class MessageEvents implements StreamReader {
  private message: Json | undefined;
  private readonly usage: Json = {};
  private readonly blocks: BlockSoFar[] = [];

  add(event: unknown): void {
    if (!isRecord(event)) return;
    switch (event.type) {
      case "message_start":
        if (isRecord(event.message)) {
          this.message = event.message;
          mergeUsage(this.usage, event.message.usage);
        }
        break;
      case "content_block_start":
        if (typeof event.index === "number" && isRecord(event.content_block)) {
          this.blocks[event.index] = { block: { ...event.content_block }, json: "" };
        }
        break;
      case "content_block_delta":
        this.addDelta(typeof event.index === "number" ? this.blocks[event.index] : undefined, event.delta);
        break;
      case "message_delta":
        mergeUsage(this.usage, event.usage);
        break;
    }
  }

  private addDelta(soFar: BlockSoFar | undefined, delta: unknown): void {
    if (soFar === undefined || !isRecord(delta)) return;
    if (delta.type === "text_delta" && typeof delta.text === "string") {
      soFar.block.text = `${typeof soFar.block.text === "string" ? soFar.block.text : ""}${delta.text}`;
    } else if (delta.type === "input_json_delta" && typeof delta.partial_json === "string") {
      soFar.json += delta.partial_json;
    }
  }

  hides(): boolean {
    return false;
  }

  response(): unknown {
    const content = this.blocks.map(({ block, json }) =>
      json === "" ? block : { ...block, input: parsed(json) },
    );
    return { ...this.message, type: "message", content, usage: { ...this.usage } };
  }
}

/** A tool's input as far as it arrived: the text when it is not whole JSON yet. */
function parsed(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

/**
 * A messages call. The system prompt travels beside the messages; it is part of the input the
 * fingerprint covers, as the first message.
 */
function messagesPlan(provider: string) {
  return (args: unknown[]): PlannedCall => {
    const params = isRecord(args[0]) ? args[0] : {};
    const messages = params.messages;
    const input =
      params.system === undefined || !Array.isArray(messages)
        ? messages
        : [{ role: "system", content: params.system }, ...messages];
    const plan: CallPlan = {
      llm: { model: typeof params.model === "string" ? params.model : undefined, provider, input },
      answers: true,
    };
    if (params.stream === true) plan.stream = new MessageEvents();
    return { plan };
  };
}

/**
 * The client, with `messages.create` recorded as a step, streams included; `messages.stream()`
 * and `messages.parse()` go through it and are recorded too. The client's own OpenTelemetry
 * spans of these calls (`anthropic.messages.create`, which the library records when a tracer
 * provider is registered) are left out for calls through the wrapper: the step records the same
 * call, and two spans of one call would count its tokens twice where their counts differ.
 */
export function wrapAnthropic<T extends AnthropicLike>(client: T, options: WrapOptions = {}): T {
  const provider = options.provider ?? "anthropic";
  const wrapped: object = view(
    client,
    {
      messages: creating("messages", messagesPlan(provider), options, () => wrapped),
      // Read by the library's messages methods, through `this._client`: no tracer, no span of its own.
      _tracer: () => undefined,
      withOptions: wrappedWithOptions((copy) => wrapAnthropic(copy as T, options)),
    },
    true,
  );
  return wrapped as T;
}
