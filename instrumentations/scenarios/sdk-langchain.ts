// Our LangChain integration (`@leantrace/sdk/langchain`), exporting through our SDK's `init()`:
// inside a leantrace workflow, a retriever and then the `createAgent` agent with one tool; then
// the same agent outside any workflow, where its outermost chain is the run.
import { Document, type DocumentInterface } from "@langchain/core/documents";
import { BaseRetriever } from "@langchain/core/retrievers";
import { ChatOpenAI } from "@langchain/openai";
import { workflow } from "@leantrace/sdk";
import { init } from "@leantrace/sdk/init";
import { LeantraceCallbackHandler } from "@leantrace/sdk/langchain";
import { createAgent, tool } from "langchain";
import { z } from "zod";
import { getOrder, MODEL, QUESTION } from "./conversation.ts";
import { collectorUrl, main, providerUrl } from "./tracing.ts";

const sdk = init({ endpoint: collectorUrl(), serviceName: "support-agent", exportDelayMillis: 100 });

class OrdersKb extends BaseRetriever {
  override lc_namespace = ["leantrace", "tests"];
  override async _getRelevantDocuments(query: string): Promise<DocumentInterface[]> {
    return [
      new Document({
        id: "kb-shipping",
        pageContent: `Shipping answers for: ${query}`,
        metadata: { score: 0.9 },
      }),
      new Document({ id: "kb-carriers", pageContent: "We ship with DHL.", metadata: { score: 0.7 } }),
    ];
  }
}

const getOrderTool = tool(async (args: { orderId: string }) => JSON.stringify(getOrder(args)), {
  name: "get_order",
  description: "Look up an order by id",
  schema: z.object({ orderId: z.string() }),
});
const model = new ChatOpenAI({ model: MODEL, apiKey: "test-key", configuration: { baseURL: providerUrl() } });
const agent = createAgent({ model, tools: [getOrderTool] });

async function runAgent(handler: LeantraceCallbackHandler): Promise<void> {
  const result = await agent.invoke(
    { messages: [{ role: "user", content: QUESTION }] },
    { callbacks: [handler] },
  );
  const last = result.messages.at(-1);
  if (!String(last?.content).includes("shipped")) throw new Error(`unexpected answer: ${last?.content}`);
}

const handler = new LeantraceCallbackHandler();

await main(
  async () => {
    await workflow(
      "langchain-order-status",
      async (run) => {
        await new OrdersKb().invoke(QUESTION, { callbacks: [handler] });
        await runAgent(handler);
        run.success();
      },
      { caseId: "order-A-17" },
    );
    await runAgent(new LeantraceCallbackHandler({ workflow: "langchain-bare" }));
  },
  () => sdk.shutdown(),
);
