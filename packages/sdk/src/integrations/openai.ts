// `wrapOpenAI(client)`: the OpenAI client's chat completions, responses and embeddings as
// leantrace steps. The client is seen through proxies, never changed: the client passed in
// still makes unrecorded calls. No dependency on `openai`: only the shapes of its calls and
// results are relied on (see provider-call.ts).
import {
  type CallPlan,
  creating,
  isRecord,
  member,
  type PlannedCall,
  type StreamReader,
  view,
  type WrapOptions,
  wrappedWithOptions,
} from "./provider-call.ts";

export type { WrapOptions } from "./provider-call.ts";

// Parameters are `never`: any method is assignable, whatever its overloads take.
type AnyMethod = (...args: never[]) => unknown;

/** What `wrapOpenAI` needs of a client: the `openai` package's `OpenAI` (or `AzureOpenAI`). */
export interface OpenAILike {
  chat: { completions: { create: AnyMethod } };
  responses?: { create: AnyMethod };
  embeddings?: { create: AnyMethod };
}

type Json = Record<string, unknown>;

function paramsOf(args: unknown[]): Json {
  const params = args[0];
  return isRecord(params) ? params : {};
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

// --- chat completions ---

interface ToolCallSoFar {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

interface ChoiceSoFar {
  content: string;
  toolCalls: ToolCallSoFar[];
}

/**
 * Chat completion chunks put back together: the model, the usage (in the last chunk), and each
 * choice's text and tool calls (the first delta of a call has its id and name, later ones add to
 * its arguments). The result has the shape a whole completion has, so that it reads the same.
 */
class ChatChunks implements StreamReader {
  private model: string | undefined;
  private usage: unknown;
  private readonly choices: ChoiceSoFar[] = [];

  /** `askedForUsage`: the wrapper added `include_usage`, so the usage chunk is its own. */
  constructor(private readonly askedForUsage: boolean) {}

  add(event: unknown): void {
    if (!isRecord(event)) return;
    if (typeof event.model === "string") this.model = event.model;
    if (isRecord(event.usage)) this.usage = event.usage;
    if (!Array.isArray(event.choices)) return;
    for (const choice of event.choices) {
      if (!isRecord(choice) || !isRecord(choice.delta)) continue;
      const index = typeof choice.index === "number" ? choice.index : 0;
      let soFar = this.choices[index];
      if (soFar === undefined) {
        soFar = { content: "", toolCalls: [] };
        this.choices[index] = soFar;
      }
      const delta = choice.delta;
      if (typeof delta.content === "string") soFar.content += delta.content;
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) addToolCall(soFar, call);
    }
  }

  hides(event: unknown): boolean {
    return (
      this.askedForUsage &&
      isRecord(event) &&
      Array.isArray(event.choices) &&
      event.choices.length === 0 &&
      isRecord(event.usage)
    );
  }

  response(): unknown {
    const response: Json = {
      object: "chat.completion",
      choices: this.choices.map((choice) => ({
        // A whole completion's message has `content: null` when the model only called tools.
        message:
          choice.toolCalls.length === 0
            ? { role: "assistant", content: choice.content }
            : {
                role: "assistant",
                content: choice.content === "" ? null : choice.content,
                tool_calls: choice.toolCalls,
              },
      })),
    };
    if (this.model !== undefined) response.model = this.model;
    if (this.usage !== undefined) response.usage = this.usage;
    return response;
  }
}

function addToolCall(choice: ChoiceSoFar, delta: unknown): void {
  if (!isRecord(delta)) return;
  const index = typeof delta.index === "number" ? delta.index : choice.toolCalls.length;
  const fn = isRecord(delta.function) ? delta.function : {};
  let call = choice.toolCalls[index];
  if (call === undefined) {
    call = { id: "", type: "function", function: { name: "", arguments: "" } };
    choice.toolCalls[index] = call;
  }
  if (typeof delta.id === "string") call.id = delta.id;
  if (typeof delta.type === "string") call.type = delta.type;
  if (typeof fn.name === "string") call.function.name += fn.name;
  if (typeof fn.arguments === "string") call.function.arguments += fn.arguments;
}

/**
 * A chat completion. A stream reports its usage only when asked (`stream_options.include_usage`):
 * the wrapper asks when the caller said nothing, and hides the extra chunk; a caller who said
 * `include_usage: false` is obeyed, and the step has no token counts.
 */
function chatPlan(provider: string) {
  return (args: unknown[]): PlannedCall => {
    const params = paramsOf(args);
    const streams = params.stream === true;
    const streamOptions = isRecord(params.stream_options) ? params.stream_options : undefined;
    const askForUsage = streams && streamOptions?.include_usage === undefined;
    const plan: CallPlan = {
      llm: { model: text(params.model), provider, input: params.messages },
      answers: true,
    };
    if (streams) plan.stream = new ChatChunks(askForUsage);
    if (!askForUsage) return { plan };
    return {
      plan,
      recordedArgs: () => [
        { ...params, stream_options: { ...streamOptions, include_usage: true } },
        ...args.slice(1),
      ],
    };
  };
}

// --- responses ---

/** Responses events carry the response in `response.created` and again, whole, at the end. */
class ResponseEvents implements StreamReader {
  private latest: unknown;

  add(event: unknown): void {
    if (isRecord(event) && isRecord(event.response)) this.latest = event.response;
  }

  hides(): boolean {
    return false;
  }

  response(): unknown {
    return this.latest;
  }
}

function responsesPlan(provider: string) {
  return (args: unknown[]): PlannedCall => {
    const params = paramsOf(args);
    const plan: CallPlan = {
      llm: { model: text(params.model), provider, input: params.input },
      answers: true,
    };
    if (params.stream === true) plan.stream = new ResponseEvents();
    return { plan };
  };
}

// --- embeddings ---

function embeddingsPlan(provider: string) {
  return (args: unknown[]): PlannedCall => {
    const params = paramsOf(args);
    return {
      plan: {
        llm: { model: text(params.model), provider, input: params.input, operation: "embeddings" },
        answers: false,
      },
    };
  };
}

/**
 * The client, with `chat.completions.create`, `responses.create` and `embeddings.create`
 * recorded as steps (embeddings as embedding steps), streams included. The library's helpers
 * that call these (`chat.completions.stream()`, `parse()`, `runTools()`, `responses.stream()`)
 * are recorded through them. Without `init()` every call goes to the client as it is.
 */
export function wrapOpenAI<T extends OpenAILike>(client: T, options: WrapOptions = {}): T {
  const provider = options.provider ?? "openai";
  const wrapped: object = view(
    client,
    {
      chat: member("chat", (chat) =>
        view(
          chat,
          {
            completions: creating("completions", chatPlan(provider), options, () => wrapped),
            _client: () => wrapped,
          },
          false,
        ),
      ),
      responses: creating("responses", responsesPlan(provider), options, () => wrapped),
      embeddings: creating("embeddings", embeddingsPlan(provider), options, () => wrapped),
      // A copy with other options (`client.withOptions({ timeout })`) is recorded too.
      withOptions: wrappedWithOptions((copy) => wrapOpenAI(copy as T, options)),
    },
    true,
  );
  return wrapped as T;
}
