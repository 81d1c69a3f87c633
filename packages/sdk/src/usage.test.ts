import { describe, expect, it } from "vitest";
import { readResponse } from "./usage.ts";

describe("readResponse", () => {
  it("reads OpenAI chat completions, cached and reasoning tokens included", () => {
    const facts = readResponse({
      object: "chat.completion",
      model: "gpt-4o-2024-08-06",
      choices: [{ message: { role: "assistant", content: "hi" } }],
      usage: {
        prompt_tokens: 1200,
        completion_tokens: 300,
        total_tokens: 1500,
        prompt_tokens_details: { cached_tokens: 1000 },
        completion_tokens_details: { reasoning_tokens: 200 },
      },
    });
    expect(facts).toEqual({
      model: "gpt-4o-2024-08-06",
      provider: "openai",
      // One answer is fingerprinted as the message the next call's input will hold.
      output: "hi",
      usage: { inputTokens: 1200, outputTokens: 300, cacheReadInputTokens: 1000, reasoningOutputTokens: 200 },
    });
  });

  it("reads OpenAI responses", () => {
    const facts = readResponse({
      object: "response",
      model: "o4-mini",
      output_text: "done",
      usage: {
        input_tokens: 50,
        output_tokens: 80,
        input_tokens_details: { cached_tokens: 10 },
        output_tokens_details: { reasoning_tokens: 64 },
      },
    });
    expect(facts.usage).toEqual({
      inputTokens: 50,
      outputTokens: 80,
      cacheReadInputTokens: 10,
      reasoningOutputTokens: 64,
    });
    expect(facts.output).toBe("done");
  });

  it("adds Anthropic's cache reads and writes back into input", () => {
    const facts = readResponse({
      type: "message",
      model: "claude-sonnet-4-5",
      content: [{ type: "text", text: "Hello" }],
      usage: {
        input_tokens: 20,
        output_tokens: 7,
        cache_read_input_tokens: 900,
        cache_creation_input_tokens: 100,
      },
    });
    expect(facts.provider).toBe("anthropic");
    expect(facts.usage).toEqual({
      inputTokens: 1020,
      outputTokens: 7,
      cacheReadInputTokens: 900,
      cacheCreationInputTokens: 100,
    });
    expect(facts.output).toBe("Hello");
  });

  it("adds Gemini's thinking tokens back into output", () => {
    const facts = readResponse({
      modelVersion: "gemini-2.5-pro",
      candidates: [],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 30 },
    });
    expect(facts.usage).toEqual({ inputTokens: 10, outputTokens: 35, reasoningOutputTokens: 30 });
  });

  it("reads nothing from values that are not responses", () => {
    expect(readResponse("text")).toEqual({});
    expect(readResponse({ usage: "none" })).toEqual({});
  });
});
