// Our @openai/agents integration (`@leantrace/sdk/openai-agents`), exporting through our SDK's
// `init()`: an agent with one tool on the Responses API inside a leantrace workflow, then the
// same agent outside any workflow, where its trace is the run.

import { workflow } from "@leantrace/sdk";
import { init } from "@leantrace/sdk/init";
import { LeantraceTraceProcessor } from "@leantrace/sdk/openai-agents";
import * as agents from "@openai/agents";
import { z } from "zod";
import { getOrder, QUESTION } from "./conversation.ts";
import { collectorUrl, main, providerUrl } from "./tracing.ts";

const sdk = init({ endpoint: collectorUrl(), serviceName: "support-agent", exportDelayMillis: 100 });
agents.setTraceProcessors([new LeantraceTraceProcessor()]);

const agent = new agents.Agent({
  name: "Order assistant",
  instructions: "Answer questions about orders.",
  model: "gpt-4o-mini",
  tools: [
    agents.tool({
      name: "get_order",
      description: "Look up an order by id",
      parameters: z.object({ orderId: z.string() }),
      execute: async ({ orderId }) => JSON.stringify(getOrder({ orderId })),
    }),
  ],
});
const modelProvider = new agents.OpenAIProvider({
  baseURL: providerUrl(),
  apiKey: "test-key",
  useResponses: true,
});

async function ask(workflowName: string): Promise<void> {
  const result = await new agents.Runner({ modelProvider, workflowName }).run(agent, QUESTION);
  if (!String(result.finalOutput).includes("shipped"))
    throw new Error(`unexpected answer: ${result.finalOutput}`);
}

await main(
  async () => {
    await workflow(
      "agents-order-status",
      async (run) => {
        await ask("agents-order-status");
        run.success();
      },
      { caseId: "order-A-17" },
    );
    await ask("agents-bare");
  },
  async () => {
    await agents.getGlobalTraceProvider().forceFlush();
    await sdk.shutdown();
  },
);
