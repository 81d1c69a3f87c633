// The OpenTelemetry project's OpenAI instrumentation (@opentelemetry/instrumentation-openai):
// a run the application traces (its own run span and `execute_tool` span) around two chat
// completions, the second streamed with usage; and an embedding traced by the library alone.

import type { Reply } from "@leantrace/testing/fake-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoFindings, tokensOf, usage } from "./expectations.ts";
import { describeSpans, type Harness, type Stored, startHarness, tokenSpans } from "./harness.ts";
import { EMBEDDING, FIRST, RUN_TOKENS, SECOND, toolConversation } from "./scripts.ts";

const SCRIPT: Reply[] = [...toolConversation("chat"), { api: "embeddings", usage: EMBEDDING }];

let harness: Harness;
let stored: Stored;

beforeAll(async () => {
  harness = await startHarness();
  await harness.scenario("otel-openai", SCRIPT);
  stored = await harness.collect();
}, 90_000);

afterAll(() => harness.close());

describe("@opentelemetry/instrumentation-openai", () => {
  it("stores the application's run and the lone embedding as two runs", () => {
    expect(stored.runs.map((r) => `${r.workflow} ${r.tokens}`).sort(), describeSpans(stored.spans)).toEqual([
      `order-status ${RUN_TOKENS}`,
      // Its only span is the library's `embeddings text-embedding-3-small`: named after the service.
      `support-agent ${EMBEDDING.input}`,
    ]);
  });

  it("counts the provider's tokens (it records no cached or reasoning tokens)", () => {
    const llms = stored.spans.filter((s) => s.kind === "llm");
    expect(tokensOf(llms)).toEqual([
      usage(FIRST, { cached: false, reasoning: false }),
      usage(SECOND, { cached: false, reasoning: false }),
    ]);
    expect(tokenSpans(stored.spans).map((s) => `${s.kind} ${s.model} ${s.provider}`)).toEqual([
      "llm gpt-4o-mini openai",
      "llm gpt-4o-mini openai",
      "embedding text-embedding-3-small openai",
    ]);
  });

  it("records no messages on its spans (it sends them as log events), so nothing is judged unused", () => {
    expect(stored.spans.filter((s) => s.kind === "llm").map((s) => s.input_part_fps)).toEqual([[], []]);
    expect(stored.spans.find((s) => s.kind === "tool")?.tool_name).toBe("get_order");
    expectNoFindings(stored.findings);
  });
});
