// OpenInference on the `openai` client: its OpenAI instrumentation records the chat
// completions; the agent run and the tool are traced with OpenInference's own helpers
// (`traceAgent`, `traceTool` from @arizeai/openinference-core), as its documentation shows.
import { traceAgent, traceTool } from "@arizeai/openinference-core";
import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { getOrder, MODEL, QUESTION, TOOLS } from "./conversation.ts";
import { main, providerUrl, startTracing } from "./tracing.ts";

const tracing = startTracing("support-agent");
const instrumentation = new OpenAIInstrumentation({ tracerProvider: tracing });
instrumentation.manuallyInstrument(OpenAI);

// Named like a function the application wrote; the tool's span gets no `tool.name`.
const lookUpOrder = traceTool(async (orderId: string) => getOrder({ orderId }), { name: "get_order" });

const orderStatus = traceAgent(
  async (question: string) => {
    const client = new OpenAI({ baseURL: providerUrl(), apiKey: "test-key" });
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: question }];
    const first = await client.chat.completions.create({ model: MODEL, messages, tools: TOOLS });
    const message = first.choices[0]?.message;
    const call = message?.tool_calls?.[0];
    if (!message || call?.type !== "function") throw new Error("expected a tool call");
    const result = await lookUpOrder(JSON.parse(call.function.arguments).orderId);
    messages.push(message, { role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
    const second = await client.chat.completions.create({ model: MODEL, messages, tools: TOOLS });
    return second.choices[0]?.message.content ?? "";
  },
  { name: "order-status" },
);

await main(
  async () => {
    const answer = await orderStatus(QUESTION);
    if (!answer.includes("shipped")) throw new Error(`unexpected answer: ${answer}`);
  },
  () => tracing.shutdown(),
);
