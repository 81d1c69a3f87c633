// Vercel AI SDK (`ai` with `@ai-sdk/otel` and `@ai-sdk/openai`): an agent that calls a tool and
// then answers (generateText, the Responses API), a streamed answer (streamText, chat
// completions streamed with usage) and an embedding (embed). VERCEL_TELEMETRY=legacy sends the
// `ai.*` spans of AI SDK 5 and 6 (`LegacyOpenTelemetry`), else the GenAI conventions' spans
// (`OpenTelemetry`, the default of AI SDK 7).
import { createOpenAI } from "@ai-sdk/openai";
import { LegacyOpenTelemetry, OpenTelemetry } from "@ai-sdk/otel";
import { embed, generateText, registerTelemetry, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import { main, providerUrl, startTracing } from "./tracing.ts";

const tracing = startTracing("support-agent");
registerTelemetry(
  process.env.VERCEL_TELEMETRY === "legacy" ? new LegacyOpenTelemetry() : new OpenTelemetry(),
);
const openai = createOpenAI({ baseURL: providerUrl(), apiKey: "test-key" });

const getOrder = tool({
  description: "Look up an order by id",
  inputSchema: z.object({ orderId: z.string() }),
  execute: async ({ orderId }) => ({ orderId, status: "shipped", carrier: "DHL" }),
});

await main(
  async () => {
    const answer = await generateText({
      model: openai("gpt-4o-mini"),
      tools: { get_order: getOrder },
      stopWhen: stepCountIs(3),
      prompt: "Where is my order A-17?",
      telemetry: { functionId: "order-status" },
    });
    if (!answer.text.includes("shipped")) throw new Error(`unexpected answer: ${answer.text}`);

    const stream = streamText({
      model: openai.chat("gpt-4o-mini"),
      prompt: "Say hello.",
    });
    let text = "";
    for await (const piece of stream.textStream) text += piece;
    if (text !== "Hello there!") throw new Error(`unexpected stream: ${text}`);

    await embed({
      model: openai.embedding("text-embedding-3-small"),
      value: "refund policy",
      telemetry: { functionId: "kb-embed" },
    });
  },
  () => tracing.shutdown(),
);
