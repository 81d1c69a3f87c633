// OpenInference (Arize): its OpenAI instrumentation with its agent and tool helpers, its
// LangChain instrumentation on a LangChain agent, and its trace processor for the OpenAI Agents
// SDK (@openai/agents on the Responses API).
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
import { FIRST, RUN_TOKENS, SECOND, toolConversation } from "./scripts.ts";

let harness: Harness;
let stored: Stored;

beforeAll(async () => {
  harness = await startHarness();
  await harness.scenario("openinference-openai", toolConversation("chat"));
  await harness.scenario("openinference-langchain", toolConversation("chat"));
  await harness.scenario("openai-agents", toolConversation("responses"));
  stored = await harness.collect();
}, 90_000);

afterAll(() => harness.close());

const SCOPES = {
  openai: "@arizeai/openinference-instrumentation-openai",
  langchain: "@arizeai/openinference-instrumentation-langchain",
  agents: "@arizeai/openinference-instrumentation-openai-agents",
};
/** OpenInference records cached input and reasoning output. */
const SENT = { cached: true, reasoning: true };

/** The run whose LLM spans come from `scope`. */
function runOf(scope: string): StoredSpan[] {
  const runId = stored.spans.find((s) => s.scope_name === scope && s.kind === "llm")?.run_id;
  return stored.spans.filter((s) => s.run_id === runId);
}

describe.each([
  { name: "OpenInference on openai", scope: SCOPES.openai, workflow: "order-status" },
  // The root span is LangGraph's own `LangGraph`: the run is named after the service.
  { name: "OpenInference on a LangChain agent", scope: SCOPES.langchain, workflow: "support-agent" },
  { name: "OpenInference on the OpenAI Agents SDK", scope: SCOPES.agents, workflow: "order-status" },
])("$name", ({ scope, workflow }) => {
  it("stores the agent run as one run, with its tool", () => {
    expect(new Set(stored.spans.map((s) => s.run_id)).size, describeSpans(stored.spans)).toBe(3);
    const run = runOf(scope);
    expect(tokenSpans(run).map((s) => s.kind)).toEqual(["llm", "llm"]);
    expect(run.filter((s) => s.kind === "tool").map((s) => s.tool_name)).toEqual(["get_order"]);
    expect(stored.runs.find((r) => r.runId === run[0]?.run_id)?.workflow).toBe(workflow);
  });

  it("counts the provider's tokens, cached input and reasoning", () => {
    const run = runOf(scope);
    expect(tokensOf(tokenSpans(run))).toEqual([usage(FIRST, SENT), usage(SECOND, SENT)]);
    expect(tokenSpans(run).map((s) => `${s.model} ${s.provider}`)).toEqual([
      "gpt-4o-mini openai",
      "gpt-4o-mini openai",
    ]);
    expect(stored.runs.find((r) => r.runId === run[0]?.run_id)?.tokens).toBe(RUN_TOKENS);
  });

  it("sees that the next LLM call read the tool's result", () => {
    const run = runOf(scope);
    expectResultRead(
      run.find((s) => s.kind === "tool"),
      run.filter((s) => s.kind === "llm")[1],
    );
  });
});

describe("OpenInference findings", () => {
  it("finds no waste in these runs", () => {
    expectNoFindings(stored.findings);
  });
});
