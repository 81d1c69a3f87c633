// Vercel AI SDK: an agent stuck in a loop, calling `get_order` with the same arguments four
// times (the same answer each time) before it answers. The tool runs in well under a
// millisecond, so each tool span and the LLM call after it start in the same millisecond: the
// case where ordering steps by span id put the final answer before the tool call it read.
import { createOpenAI } from "@ai-sdk/openai";
import { OpenTelemetry } from "@ai-sdk/otel";
import { generateText, registerTelemetry, stepCountIs, tool } from "ai";
import { z } from "zod";
import { main, providerUrl, startTracing } from "./tracing.ts";

const tracing = startTracing("support-agent");
registerTelemetry(new OpenTelemetry());
const openai = createOpenAI({ baseURL: providerUrl(), apiKey: "test-key" });

const getOrder = tool({
  description: "Look up an order by id",
  inputSchema: z.object({ orderId: z.string() }),
  execute: async ({ orderId }) => ({ orderId, status: "shipped", carrier: "DHL" }),
});

await main(
  async () => {
    const answer = await generateText({
      model: openai.chat("gpt-4o-mini"),
      tools: { get_order: getOrder },
      stopWhen: stepCountIs(6),
      prompt: "Where is my order A-17?",
      telemetry: { functionId: "order-status-loop" },
    });
    if (!answer.text.includes("shipped")) throw new Error(`unexpected answer: ${answer.text}`);
  },
  () => tracing.shutdown(),
);
