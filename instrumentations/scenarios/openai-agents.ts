// The OpenAI Agents SDK (@openai/agents) on its Responses API model pointed at the fake
// provider, traced by OpenInference's trace processor for it
// (@arizeai/openinference-instrumentation-openai-agents), which replaces the SDK's own export.
import { OpenAIAgentsInstrumentation } from "@arizeai/openinference-instrumentation-openai-agents";
import * as agents from "@openai/agents";
import { z } from "zod";
import { getOrder, QUESTION } from "./conversation.ts";
import { main, providerUrl, startTracing } from "./tracing.ts";

const tracing = startTracing("support-agent");
const instrumentation = new OpenAIAgentsInstrumentation({ tracerProvider: tracing });
instrumentation.manuallyInstrument(agents);

const getOrderTool = agents.tool({
  name: "get_order",
  description: "Look up an order by id",
  parameters: z.object({ orderId: z.string() }),
  execute: async ({ orderId }) => JSON.stringify(getOrder({ orderId })),
});

await main(
  async () => {
    const agent = new agents.Agent({
      name: "Order assistant",
      instructions: "Answer questions about orders.",
      model: "gpt-4o-mini",
      tools: [getOrderTool],
    });
    const runner = new agents.Runner({
      modelProvider: new agents.OpenAIProvider({
        baseURL: providerUrl(),
        apiKey: "test-key",
        useResponses: true,
      }),
      workflowName: "order-status",
    });
    const result = await runner.run(agent, QUESTION);
    if (!String(result.finalOutput).includes("shipped"))
      throw new Error(`unexpected answer: ${result.finalOutput}`);
  },
  async () => {
    await agents.getGlobalTraceProvider().forceFlush();
    await tracing.shutdown();
  },
);
