// The OpenTelemetry project's own OpenAI instrumentation (@opentelemetry/instrumentation-openai)
// on the `openai` client, loaded through `require` after the instrumentation is registered, as
// it hooks module loading: a chat completion with a tool call, the tool result sent back, a
// streamed answer; the application traces the run and its tool itself, as the GenAI conventions
// ask of tools the application runs (`execute_tool` spans). Then an embedding on its own: a run
// whose only span is the library's.
import { createRequire } from "node:module";
import { trace } from "@opentelemetry/api";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { OpenAIInstrumentation } from "@opentelemetry/instrumentation-openai";
import type OpenAIClass from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { getOrder, MODEL, QUESTION, TOOLS } from "./conversation.ts";
import { main, providerUrl, startTracing } from "./tracing.ts";

const tracing = startTracing("support-agent");
registerInstrumentations({ instrumentations: [new OpenAIInstrumentation()], tracerProvider: tracing });
const { OpenAI } = createRequire(import.meta.url)("openai") as { OpenAI: typeof OpenAIClass };

await main(
  async () => {
    const client = new OpenAI({ baseURL: providerUrl(), apiKey: "test-key" });
    const tracer = trace.getTracer("support-agent");
    await tracer.startActiveSpan("order-status", async (run) => {
      const messages: ChatCompletionMessageParam[] = [{ role: "user", content: QUESTION }];
      const first = await client.chat.completions.create({ model: MODEL, messages, tools: TOOLS });
      const message = first.choices[0]?.message;
      const call = message?.tool_calls?.[0];
      if (!message || call?.type !== "function") throw new Error("expected a tool call");
      const result = tracer.startActiveSpan(`execute_tool ${call.function.name}`, (span) => {
        const value = getOrder(JSON.parse(call.function.arguments));
        span.setAttributes({
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": call.function.name,
          "gen_ai.tool.call.id": call.id,
          "gen_ai.tool.call.arguments": call.function.arguments,
          "gen_ai.tool.call.result": JSON.stringify(value),
        });
        span.end();
        return value;
      });
      messages.push(message, { role: "tool", tool_call_id: call.id, content: JSON.stringify(result) });
      const stream = await client.chat.completions.create({
        model: MODEL,
        messages,
        tools: TOOLS,
        stream: true,
        stream_options: { include_usage: true },
      });
      let answer = "";
      for await (const chunk of stream) answer += chunk.choices[0]?.delta.content ?? "";
      if (!answer.includes("shipped")) throw new Error(`unexpected answer: ${answer}`);
      run.end();
    });
    await client.embeddings.create({ model: "text-embedding-3-small", input: "refund policy" });
  },
  () => tracing.shutdown(),
);
