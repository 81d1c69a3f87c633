// A stand-in for a chat-completions API that answers offline, with token counts shaped like a
// real provider's: the prompt grows with the conversation, part of it is served from cache.

export interface Message {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
}

/** The OpenAI chat-completions response shape, as far as leantrace reads it. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  model: string;
  choices: { index: number; message: { role: "assistant"; content: string }; finish_reason: string }[];
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { cached_tokens: number };
    completion_tokens_details: { reasoning_tokens: number };
  };
}

/** Roughly four characters per token, as for English text with common tokenizers. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Seeded, so that every demo run and test sees the same numbers. */
export { seededRandom } from "@leantrace/gate";

let completions = 0;

export async function complete(
  model: string,
  messages: readonly Message[],
  reply: string,
  random: () => number,
): Promise<ChatCompletion> {
  const promptTokens = messages.reduce((sum, m) => sum + estimateTokens(m.content) + 4, 0);
  // Reasoning models think before they answer: a few hundred hidden tokens.
  const reasoningTokens = Math.round(150 + random() * 350);
  const completionTokens = estimateTokens(reply) + reasoningTokens;
  // Everything but the newest message was sent before and is usually cached.
  const lastMessage = messages.at(-1);
  const cached = Math.max(0, promptTokens - (lastMessage ? estimateTokens(lastMessage.content) + 4 : 0));
  completions++;
  return {
    id: `chatcmpl-sim-${completions}`,
    object: "chat.completion",
    model,
    choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cached },
      completion_tokens_details: { reasoning_tokens: reasoningTokens },
    },
  };
}
