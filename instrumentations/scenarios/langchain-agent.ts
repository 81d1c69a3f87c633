// The LangChain agent the LangChain scenarios run: `createAgent` from `langchain` on
// `ChatOpenAI` (chat completions against the fake provider) with one tool.
import { ChatOpenAI } from "@langchain/openai";
import { createAgent, tool } from "langchain";
import { z } from "zod";
import { getOrder, MODEL, QUESTION } from "./conversation.ts";
import { providerUrl } from "./tracing.ts";

export async function runAgent(): Promise<void> {
  const getOrderTool = tool(async (args: { orderId: string }) => JSON.stringify(getOrder(args)), {
    name: "get_order",
    description: "Look up an order by id",
    schema: z.object({ orderId: z.string() }),
  });
  const model = new ChatOpenAI({
    model: MODEL,
    apiKey: "test-key",
    configuration: { baseURL: providerUrl() },
  });
  const agent = createAgent({ model, tools: [getOrderTool] });
  const result = await agent.invoke({ messages: [{ role: "user", content: QUESTION }] });
  const last = result.messages.at(-1);
  if (!String(last?.content).includes("shipped")) throw new Error(`unexpected answer: ${last?.content}`);
}
