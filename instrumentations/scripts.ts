// What the fake provider answers in every scenario: first a call of `get_order`, then the final
// answer, each with usage that is the truth the stored rows must show (cached input and
// reasoning output included, where an instrumentation records them).
import type { Reply, Usage } from "@leantrace/testing/fake-provider";

export const FIRST: Usage = { input: 120, output: 20, cached: 64 };
export const SECOND: Usage = { input: 180, output: 15, cached: 128, reasoning: 5 };
export const HELLO: Usage = { input: 12, output: 4 };
export const EMBEDDING = { input: 3 };
export const RUN_TOKENS = FIRST.input + FIRST.output + SECOND.input + SECOND.output;

const CALL = { id: "call_1", name: "get_order", arguments: { orderId: "A-17" } };
export const ANSWER = "Your order A-17 has shipped with DHL.";

/** The tool-calling conversation, answered through chat completions or the Responses API. */
export function toolConversation(api: "chat" | "responses"): Reply[] {
  return [
    { api, toolCalls: [CALL], usage: FIRST },
    { api, content: ANSWER, usage: SECOND },
  ];
}
