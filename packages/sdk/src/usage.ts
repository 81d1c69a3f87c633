// Token counts as the providers report them, mapped to the GenAI convention's meaning:
// input includes cached input, output includes reasoning output. Anthropic is the odd one:
// its `input_tokens` leaves out cache reads and writes, so they are added back here.

/** Token counts of one LLM or embedding call. Every field is a count of tokens. */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
  reasoningOutputTokens?: number;
}

/** What could be read from a provider response: usage, model, provider and the output. */
export interface ResponseFacts {
  usage?: TokenUsage;
  model?: string;
  provider?: string;
  output?: unknown;
}

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A token count: a finite number, not negative. */
export function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function field(record: unknown, key: string): unknown {
  return isRecord(record) ? record[key] : undefined;
}

/** The sum of the counts known; undefined when none is. (Called per LLM call: no arrays.) */
function sum(a: number | undefined, b: number | undefined, c?: number): number | undefined {
  if (a === undefined && b === undefined && c === undefined) return undefined;
  return 0 + (a ?? 0) + (b ?? 0) + (c ?? 0);
}

/** The counts known, in one object; undefined when none is. */
export function knownCounts(
  inputTokens: number | undefined,
  outputTokens: number | undefined,
  cacheReadInputTokens: number | undefined,
  cacheCreationInputTokens: number | undefined,
  reasoningOutputTokens: number | undefined,
): TokenUsage | undefined {
  if (
    inputTokens === undefined &&
    outputTokens === undefined &&
    cacheReadInputTokens === undefined &&
    cacheCreationInputTokens === undefined &&
    reasoningOutputTokens === undefined
  ) {
    return undefined;
  }
  const usage: TokenUsage = {};
  if (inputTokens !== undefined) usage.inputTokens = inputTokens;
  if (outputTokens !== undefined) usage.outputTokens = outputTokens;
  if (cacheReadInputTokens !== undefined) usage.cacheReadInputTokens = cacheReadInputTokens;
  if (cacheCreationInputTokens !== undefined) usage.cacheCreationInputTokens = cacheCreationInputTokens;
  if (reasoningOutputTokens !== undefined) usage.reasoningOutputTokens = reasoningOutputTokens;
  return usage;
}

/** Anthropic Messages API: `{ type: "message", usage: { input_tokens, cache_read_input_tokens, ... } }`. */
function anthropicUsage(usage: Json): TokenUsage | undefined {
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheCreation = count(usage.cache_creation_input_tokens);
  return knownCounts(
    sum(count(usage.input_tokens), cacheRead, cacheCreation),
    count(usage.output_tokens),
    cacheRead,
    cacheCreation,
    undefined,
  );
}

/** OpenAI Chat Completions: `usage.prompt_tokens`, `completion_tokens` and their details. */
function openAiChatUsage(usage: Json): TokenUsage | undefined {
  return knownCounts(
    count(usage.prompt_tokens),
    count(usage.completion_tokens),
    count(field(usage.prompt_tokens_details, "cached_tokens")),
    undefined,
    count(field(usage.completion_tokens_details, "reasoning_tokens")),
  );
}

/** OpenAI Responses: `usage.input_tokens`, `output_tokens` and their details. */
function openAiResponsesUsage(usage: Json): TokenUsage | undefined {
  return knownCounts(
    count(usage.input_tokens),
    count(usage.output_tokens),
    count(field(usage.input_tokens_details, "cached_tokens")),
    undefined,
    count(field(usage.output_tokens_details, "reasoning_tokens")),
  );
}

/** Gemini: `usageMetadata`; its candidate count leaves out thinking tokens, added back here. */
function geminiUsage(meta: Json): TokenUsage | undefined {
  const thoughts = count(meta.thoughtsTokenCount);
  return knownCounts(
    count(meta.promptTokenCount),
    sum(count(meta.candidatesTokenCount), thoughts),
    count(meta.cachedContentTokenCount),
    undefined,
    thoughts,
  );
}

function isAnthropicUsage(response: Json, usage: Json): boolean {
  return (
    response.type === "message" ||
    "cache_read_input_tokens" in usage ||
    "cache_creation_input_tokens" in usage
  );
}

function textOfContentBlocks(blocks: unknown): unknown {
  if (!Array.isArray(blocks)) return blocks;
  const texts = blocks.map((b) => field(b, "text")).filter((t) => typeof t === "string");
  return texts.length === blocks.length ? texts.join("") : blocks;
}

/** The model's answer, for the output fingerprint: text where there is text, else the structure. */
function outputOf(response: Json): unknown {
  if (Array.isArray(response.choices)) {
    const answers = response.choices.map((choice) => {
      const message = field(choice, "message");
      const toolCalls = field(message, "tool_calls");
      return toolCalls === undefined
        ? (field(message, "content") ?? field(choice, "text"))
        : { content: field(message, "content") ?? null, toolCalls };
    });
    // One answer (the usual case) is fingerprinted as itself: it is the message the next call's
    // input holds, so the analyzers can follow it into later prompts.
    return answers.length === 1 ? answers[0] : answers;
  }
  if (typeof response.output_text === "string") return response.output_text;
  if (Array.isArray(response.output)) return response.output;
  if (response.type === "message") return textOfContentBlocks(response.content);
  if (Array.isArray(response.candidates)) return response.candidates;
  return undefined;
}

/**
 * Reads usage, model and output from an OpenAI (chat completions or responses), Anthropic
 * (messages) or Gemini response. Anything else gives `{}`: the caller then passes counts by hand.
 */
export function readResponse(response: unknown): ResponseFacts {
  if (!isRecord(response)) return {};
  const facts: ResponseFacts = {};
  if (typeof response.model === "string") facts.model = response.model;
  const usage = response.usage;
  if (isRecord(usage)) {
    if (isAnthropicUsage(response, usage)) {
      facts.usage = anthropicUsage(usage);
      facts.provider = "anthropic";
    } else if ("prompt_tokens" in usage || "completion_tokens" in usage) {
      facts.usage = openAiChatUsage(usage);
      facts.provider = "openai";
    } else {
      facts.usage = openAiResponsesUsage(usage);
      facts.provider = "openai";
    }
  } else if (isRecord(response.usageMetadata)) {
    facts.usage = geminiUsage(response.usageMetadata);
    facts.provider = "gcp.gemini";
    if (typeof response.modelVersion === "string") facts.model = response.modelVersion;
  }
  const output = outputOf(response);
  if (output !== undefined) facts.output = output;
  return facts;
}

/** A tool's name from a chat `tool_calls` item, a Responses output item or an Anthropic block. */
function toolNameOf(item: unknown, itemType: string): string | undefined {
  if (itemType === "chat") {
    const name = field(field(item, "function"), "name");
    return typeof name === "string" ? name : undefined;
  }
  const type = field(item, "type");
  const name = field(item, "name");
  // Responses: function_call, custom_tool_call, mcp_call; Anthropic: tool_use, server_tool_use.
  const isCall =
    itemType === "responses"
      ? typeof type === "string" && type.endsWith("_call")
      : type === "tool_use" || type === "server_tool_use";
  return isCall && typeof name === "string" ? name : undefined;
}

function pushNames(into: string[], items: unknown, itemType: string): void {
  if (!Array.isArray(items)) return;
  for (const item of items) {
    const name = toolNameOf(item, itemType);
    if (name !== undefined) into.push(name);
  }
}

/**
 * The tools a response asks to call, by name, in order: OpenAI chat completions' `tool_calls`,
 * Responses' `*_call` output items, Anthropic's `tool_use` blocks. Undefined when it asks none.
 */
export function toolCallNames(response: unknown): string[] | undefined {
  if (!isRecord(response)) return undefined;
  const names: string[] = [];
  if (Array.isArray(response.choices)) {
    for (const choice of response.choices)
      pushNames(names, field(field(choice, "message"), "tool_calls"), "chat");
  } else if (Array.isArray(response.output)) {
    pushNames(names, response.output, "responses");
  } else if (response.type === "message") {
    pushNames(names, response.content, "anthropic");
  }
  return names.length > 0 ? names : undefined;
}
