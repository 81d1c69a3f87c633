// The one-line integrations, offline: a local fake OpenAI endpoint answers, a real collector
// (the `leantrace collector` command, in a temporary directory) receives the spans our SDK
// exports, and the same order-status agent runs on the Vercel AI SDK (`leantraceTelemetry()`),
// LangChain (`LeantraceCallbackHandler`) and @openai/agents (`LeantraceTraceProcessor`), each
// inside a leantrace workflow that records its outcome. Prints one line per run and the
// findings. Run: `npx -y pnpm@10 exec tsx examples/integrations/run.ts`.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOpenAI } from "@ai-sdk/openai";
import { ChatOpenAI } from "@langchain/openai";
import { workflow } from "@leantrace/sdk";
import { init } from "@leantrace/sdk/init";
import { LeantraceCallbackHandler } from "@leantrace/sdk/langchain";
import { LeantraceTraceProcessor } from "@leantrace/sdk/openai-agents";
import { leantraceTelemetry } from "@leantrace/sdk/vercel-ai";
import { spawnCollector, storeFlags } from "@leantrace/testing";
import { type Reply, startFakeProvider } from "@leantrace/testing/fake-provider";
import * as agents from "@openai/agents";
import { generateText, stepCountIs, tool } from "ai";
import { createAgent, tool as langchainTool } from "langchain";
import { z } from "zod";

const QUESTION = "Where is my order A-17?";
const orderOf = (orderId: string) => ({ orderId, status: "shipped", carrier: "DHL" });

/** What the fake provider answers each agent: a call of `get_order`, then the answer. */
function conversation(api: "chat" | "responses"): Reply[] {
  return [
    {
      api,
      toolCalls: [{ id: "call_1", name: "get_order", arguments: { orderId: "A-17" } }],
      usage: { input: 120, output: 20, cached: 64 },
    },
    {
      api,
      content: "Your order A-17 has shipped with DHL.",
      usage: { input: 180, output: 15, cached: 128, reasoning: 5 },
    },
  ];
}

async function vercelAgent(baseURL: string): Promise<string> {
  const openai = createOpenAI({ baseURL, apiKey: "offline" });
  const answer = await generateText({
    model: openai("gpt-4o-mini"),
    tools: {
      get_order: tool({
        description: "Look up an order by id",
        inputSchema: z.object({ orderId: z.string() }),
        execute: async ({ orderId }) => orderOf(orderId),
      }),
    },
    stopWhen: stepCountIs(3),
    prompt: QUESTION,
    telemetry: leantraceTelemetry(),
  });
  return answer.text;
}

async function langchainAgent(baseURL: string): Promise<string> {
  const getOrder = langchainTool(
    async ({ orderId }: { orderId: string }) => JSON.stringify(orderOf(orderId)),
    {
      name: "get_order",
      description: "Look up an order by id",
      schema: z.object({ orderId: z.string() }),
    },
  );
  const model = new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "offline", configuration: { baseURL } });
  const result = await createAgent({ model, tools: [getOrder] }).invoke(
    { messages: [{ role: "user", content: QUESTION }] },
    { callbacks: [new LeantraceCallbackHandler()] },
  );
  return String(result.messages.at(-1)?.content);
}

async function openAiAgent(baseURL: string): Promise<string> {
  const agent = new agents.Agent({
    name: "Order assistant",
    instructions: "Answer questions about orders.",
    model: "gpt-4o-mini",
    tools: [
      agents.tool({
        name: "get_order",
        description: "Look up an order by id",
        parameters: z.object({ orderId: z.string() }),
        execute: async ({ orderId }) => JSON.stringify(orderOf(orderId)),
      }),
    ],
  });
  const modelProvider = new agents.OpenAIProvider({ baseURL, apiKey: "offline", useResponses: true });
  const result = await new agents.Runner({ modelProvider, workflowName: "openai-agents-order-status" }).run(
    agent,
    QUESTION,
  );
  return String(result.finalOutput);
}

interface Run {
  workflow: string;
  outcome: string;
  tokens: number;
}

export async function runIntegrations(): Promise<{ runs: Run[]; findings: number }> {
  const dir = await mkdtemp(join(tmpdir(), "leantrace-integrations-"));
  const collector = await spawnCollector([
    ...storeFlags(dir),
    "--analyze-interval-seconds",
    "0",
    "--idle-seconds",
    "0",
  ]);
  const provider = await startFakeProvider([
    ...conversation("responses"),
    ...conversation("chat"),
    ...conversation("responses"),
  ]);
  const sdk = init({ endpoint: collector.url, serviceName: "order-agents", exportDelayMillis: 100 });
  // Instead of the OpenAI exporter, which would send the traces to OpenAI.
  agents.setTraceProcessors([new LeantraceTraceProcessor()]);
  try {
    for (const [name, agent] of [
      ["vercel-ai-order-status", vercelAgent],
      ["langchain-order-status", langchainAgent],
      ["openai-agents-order-status", openAiAgent],
    ] as const) {
      await workflow(name, async (run) => {
        const answer = await agent(provider.url);
        if (answer.includes("shipped")) run.success();
        else run.failure();
      });
    }
    await agents.getGlobalTraceProvider().forceFlush();
    await sdk.forceFlush();
    if (provider.problems.length > 0) throw new Error(provider.problems.join("; "));
    const analyzed = await fetch(`${collector.url}/api/v1/analyze`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"full":true}',
    });
    if (analyzed.status !== 200) throw new Error(`analyze: ${analyzed.status} ${await analyzed.text()}`);
    const { runs } = (await (await fetch(`${collector.url}/api/v1/runs`)).json()) as { runs: Run[] };
    const { findings } = (await (await fetch(`${collector.url}/api/v1/findings`)).json()) as {
      findings: unknown[];
    };
    return { runs: runs.sort((a, b) => a.workflow.localeCompare(b.workflow)), findings: findings.length };
  } finally {
    await sdk.shutdown();
    await provider.close();
    await collector.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { runs, findings } = await runIntegrations();
  for (const run of runs)
    console.log(`${run.workflow.padEnd(28)} ${run.outcome.padEnd(8)} ${run.tokens} tokens`);
  console.log(`${findings} findings`);
}
