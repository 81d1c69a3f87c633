// Without `init()` the integrations record nothing and cost the agent nothing but their calls:
// events of each library's shape go through them under the OpenTelemetry API's no-op tracer.
import { describe, expect, it } from "vitest";
import { LeantraceCallbackHandler } from "./langchain.ts";
import { LeantraceTraceProcessor } from "./openai-agents.ts";
import { type LeantraceTelemetry, leantraceTelemetry } from "./vercel-ai.ts";

describe("the integrations without init()", () => {
  it("take every event without throwing", async () => {
    const telemetry = leantraceTelemetry({ functionId: "f" });
    expect(telemetry).toMatchObject({ isEnabled: true, functionId: "f" });
    const ai = telemetry.integrations[0] as LeantraceTelemetry;
    ai.onStart({ callId: "c", operationId: "ai.generateText" });
    ai.onLanguageModelCallStart({ callId: "c", modelId: "m", messages: [{ role: "user", content: "hi" }] });
    await ai.executeLanguageModelCall({ callId: "c", execute: async () => 1 });
    ai.onLanguageModelCallEnd({ callId: "c", usage: { inputTokens: 1, outputTokens: 1 }, content: [] });
    ai.onToolExecutionStart({ callId: "c", toolCall: { toolCallId: "t", toolName: "x", input: {} } });
    expect(await ai.executeTool({ callId: "c", toolCallId: "t", execute: async () => 2 })).toBe(2);
    ai.onToolExecutionEnd({
      callId: "c",
      toolCall: { toolCallId: "t", toolName: "x" },
      toolOutput: { type: "tool-result", output: 2 },
    });
    ai.onEnd({ callId: "c" });

    const handler = new LeantraceCallbackHandler();
    handler.handleChainStart({}, {}, "r");
    handler.handleChatModelStart({}, [[{ type: "human", content: "hi" }]], "l", "r");
    handler.handleLLMEnd({ generations: [[{ text: "ok" }]] }, "l");
    handler.handleToolStart({}, "{}", "t", "r", [], {}, "x");
    handler.handleToolEnd("done", "t");
    handler.handleChainError(new Error("boom"), "r");

    const processor = new LeantraceTraceProcessor();
    await processor.onTraceStart({ traceId: "tr", name: "w" });
    await processor.onSpanStart({
      traceId: "tr",
      spanId: "s",
      parentId: null,
      spanData: { type: "function", name: "x" },
    });
    await processor.onSpanEnd({
      traceId: "tr",
      spanId: "s",
      parentId: null,
      spanData: { type: "function", name: "x", input: "{}", output: "1" },
    });
    await processor.onTraceEnd({ traceId: "tr", name: "w" });
    await processor.shutdown();
  });
});
