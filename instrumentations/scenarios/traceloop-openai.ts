// Traceloop (OpenLLMetry) on the `openai` client: the agent run is a Traceloop workflow, the tool
// a Traceloop tool, and the two chat completions are recorded by Traceloop's OpenAI
// instrumentation; exported by Traceloop's own OTLP/HTTP (protobuf) exporter to the collector.
import * as traceloop from "@traceloop/node-server-sdk";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { getOrder, MODEL, QUESTION, TOOLS } from "./conversation.ts";
import { collectorUrl, main, providerUrl } from "./tracing.ts";

traceloop.initialize({
  appName: "support-agent",
  baseUrl: collectorUrl(),
  apiKey: "unused",
  disableBatch: true,
  silenceInitializationMessage: true,
  traceloopSyncEnabled: false,
  // Its types see `openai` as CommonJS, this module imports it as an ES module: the same class.
  instrumentModules: { openAI: OpenAI as never },
});

await main(
  async () => {
    const client = new OpenAI({ baseURL: providerUrl(), apiKey: "test-key" });
    await traceloop.withWorkflow({ name: "order-status" }, async () => {
      const messages: ChatCompletionMessageParam[] = [{ role: "user", content: QUESTION }];
      const first = await client.chat.completions.create({ model: MODEL, messages, tools: TOOLS });
      const message = first.choices[0]?.message;
      const call = message?.tool_calls?.[0];
      if (!message || call?.type !== "function") throw new Error("expected a tool call");
      const result = await traceloop.withTool({ name: call.function.name }, async () =>
        getOrder(JSON.parse(call.function.arguments)),
      );
      messages.push(message, { role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
      const second = await client.chat.completions.create({ model: MODEL, messages, tools: TOOLS });
      if (!second.choices[0]?.message.content?.includes("shipped")) throw new Error("unexpected answer");
    });
  },
  () => traceloop.forceFlush(),
);
