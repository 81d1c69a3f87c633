// Our Vercel AI SDK integration (`@leantrace/sdk/vercel-ai`), exporting through our SDK's
// `init()`: inside a leantrace workflow, generateText with a tool (the Responses API) and an
// embed; outside any workflow, a streamText call with a function id of its own.
import { createOpenAI } from "@ai-sdk/openai";
import { workflow } from "@leantrace/sdk";
import { init } from "@leantrace/sdk/init";
import { leantraceTelemetry } from "@leantrace/sdk/vercel-ai";
import { embed, generateText, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import { getOrder, QUESTION } from "./conversation.ts";
import { collectorUrl, main, providerUrl } from "./tracing.ts";

const sdk = init({ endpoint: collectorUrl(), serviceName: "support-agent", exportDelayMillis: 100 });
const openai = createOpenAI({ baseURL: providerUrl(), apiKey: "test-key" });

const getOrderTool = tool({
  description: "Look up an order by id",
  inputSchema: z.object({ orderId: z.string() }),
  execute: async ({ orderId }) => getOrder({ orderId }),
});

await main(
  async () => {
    await workflow(
      "vercel-order-status",
      async (run) => {
        const answer = await generateText({
          model: openai("gpt-4o-mini"),
          tools: { get_order: getOrderTool },
          stopWhen: stepCountIs(3),
          prompt: QUESTION,
          telemetry: leantraceTelemetry(),
        });
        if (!answer.text.includes("shipped")) throw new Error(`unexpected answer: ${answer.text}`);
        await embed({
          model: openai.embedding("text-embedding-3-small"),
          value: "refund policy",
          telemetry: leantraceTelemetry(),
        });
        run.success();
      },
      { caseId: "order-A-17" },
    );

    const stream = streamText({
      model: openai.chat("gpt-4o-mini"),
      prompt: "Say hello.",
      telemetry: leantraceTelemetry({ functionId: "vercel-bare" }),
    });
    let text = "";
    for await (const piece of stream.textStream) text += piece;
    if (text !== "Hello there!") throw new Error(`unexpected stream: ${text}`);
  },
  () => sdk.shutdown(),
);
