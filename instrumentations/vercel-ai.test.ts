// The Vercel AI SDK (ai 7 with @ai-sdk/otel), both of its span formats: the `ai.*` spans of AI
// SDK 5 and 6 (LegacyOpenTelemetry) and the GenAI conventions' spans (OpenTelemetry, the
// default of AI SDK 7); generateText with a tool, streamText, embed.

import type { Reply } from "@leantrace/testing/fake-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoFindings, expectResultRead, tokensOf, usage } from "./expectations.ts";
import {
  describeSpans,
  type Harness,
  type Stored,
  type StoredSpan,
  startHarness,
  tokenSpans,
} from "./harness.ts";
import { EMBEDDING, FIRST, HELLO, RUN_TOKENS, SECOND, toolConversation } from "./scripts.ts";

const SCRIPT: Reply[] = [
  ...toolConversation("responses"),
  { api: "chat", content: "Hello there!", usage: HELLO },
  { api: "embeddings", usage: EMBEDDING },
];

let harness: Harness;
let stored: Stored;

beforeAll(async () => {
  harness = await startHarness();
  await harness.scenario("vercel-ai", SCRIPT, { VERCEL_TELEMETRY: "legacy" });
  await harness.scenario("vercel-ai", SCRIPT, { VERCEL_TELEMETRY: "genai" });
  stored = await harness.collect();
}, 90_000);

afterAll(() => harness.close());

/** The spans of the runs of one span format, by instrumentation scope, grouped by run in time order. */
function runsOf(scope: string): [StoredSpan[], StoredSpan[], StoredSpan[]] {
  const spans = stored.spans.filter((s) => s.scope_name === scope);
  const runIds = [...new Set(spans.map((s) => s.run_id))];
  return runIds.map((id) => spans.filter((s) => s.run_id === id)) as [
    StoredSpan[],
    StoredSpan[],
    StoredSpan[],
  ];
}

function workflowOf(runId: string | undefined) {
  return stored.runs.find((r) => r.runId === runId)?.workflow;
}

describe.each([
  { format: "ai.* spans (LegacyOpenTelemetry)", scope: "ai", reasoning: true, embedWorkflow: "kb-embed" },
  // The GenAI spans send reasoning tokens only with `usage: true`, and no function id for embed.
  {
    format: "GenAI spans (OpenTelemetry)",
    scope: "gen_ai",
    reasoning: false,
    embedWorkflow: "support-agent",
  },
])("Vercel AI SDK, $format", ({ scope, reasoning, embedWorkflow }) => {
  it("stores one run per call: generateText with its tool, streamText, embed", () => {
    const runs = runsOf(scope);
    expect(runs, describeSpans(stored.spans)).toHaveLength(3);
    const [generate, stream, embed] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    expect(tokenSpans(generate).map((s) => s.kind)).toEqual(["llm", "llm"]);
    expect(generate.filter((s) => s.kind === "tool").map((s) => s.tool_name)).toEqual(["get_order"]);
    expect(tokenSpans(stream).map((s) => s.kind)).toEqual(["llm"]);
    expect(
      tokenSpans(embed)
        .filter((s) => s.total_tokens > 0)
        .map((s) => s.kind),
    ).toEqual(["embedding"]);
  });

  it("counts the provider's tokens, cached input and (where sent) reasoning", () => {
    const [generate, stream, embed] = runsOf(scope);
    const sent = { cached: true, reasoning };
    expect(tokensOf(tokenSpans(generate))).toEqual([usage(FIRST, sent), usage(SECOND, sent)]);
    expect(tokensOf(tokenSpans(stream))).toEqual([usage(HELLO, sent)]);
    expect(tokenSpans(embed).reduce((sum, s) => sum + s.total_tokens, 0)).toBe(EMBEDDING.input);
    const totals = [generate, stream, embed].map(
      (run) => stored.runs.find((r) => r.runId === run[0]?.run_id)?.tokens,
    );
    expect(totals).toEqual([RUN_TOKENS, HELLO.input + HELLO.output, EMBEDDING.input]);
  });

  it("names models and providers as the GenAI conventions do", () => {
    const spans = runsOf(scope).flat();
    expect(new Set(tokenSpans(spans).map((s) => `${s.model} ${s.provider}`))).toEqual(
      new Set(["gpt-4o-mini openai", "text-embedding-3-small openai"]),
    );
  });

  it("names each run after its function id, else its service", () => {
    const [generate, stream, embed] = runsOf(scope);
    expect([generate, stream, embed].map((run) => workflowOf(run[0]?.run_id))).toEqual([
      "order-status",
      "support-agent",
      embedWorkflow,
    ]);
  });

  it("sees that the next LLM call read the tool's result", () => {
    const [generate] = runsOf(scope);
    const llms = generate.filter((s) => s.kind === "llm");
    expectResultRead(
      generate.find((s) => s.kind === "tool"),
      llms[1],
    );
  });
});

describe("Vercel AI SDK findings", () => {
  it("finds no waste in these runs", () => {
    expectNoFindings(stored.findings);
  });
});
