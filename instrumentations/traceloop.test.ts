// Traceloop (OpenLLMetry, @traceloop/node-server-sdk) on the `openai` client, and on a LangChain
// agent with both its LangChain and its OpenAI instrumentations on, exported by Traceloop's own
// OTLP/HTTP exporter.
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
  await harness.scenario("traceloop-openai", toolConversation("chat"));
  await harness.scenario("traceloop-langchain", toolConversation("chat"));
  stored = await harness.collect();
}, 90_000);

afterAll(() => harness.close());

const runOf = (workflow: string): StoredSpan[] => {
  const run = stored.runs.find((r) => r.workflow === workflow);
  return stored.spans.filter((s) => s.run_id === run?.runId);
};
// Traceloop's OpenAI instrumentation does not record cached or reasoning tokens.
const SENT = { cached: false, reasoning: false };

describe("Traceloop on openai", () => {
  it("stores the workflow as one run: two chat calls and the tool between them", () => {
    expect(stored.runs.map((r) => r.workflow).sort(), describeSpans(stored.spans)).toEqual([
      "langchain-order-status",
      "order-status",
    ]);
    const run = runOf("order-status");
    expect(run.map((s) => `${s.kind} ${s.tool_name}`)).toEqual([
      "workflow ",
      "llm ",
      "tool get_order",
      "llm ",
    ]);
    expect(tokenSpans(run).map((s) => `${s.model} ${s.provider}`)).toEqual([
      "gpt-4o-mini openai",
      "gpt-4o-mini openai",
    ]);
  });

  it("counts the provider's tokens", () => {
    const run = runOf("order-status");
    expect(tokensOf(tokenSpans(run))).toEqual([usage(FIRST, SENT), usage(SECOND, SENT)]);
    expect(stored.runs.find((r) => r.workflow === "order-status")?.tokens).toBe(RUN_TOKENS);
  });

  it("sees that the next chat call read the tool's result", () => {
    const run = runOf("order-status");
    expectResultRead(
      run.find((s) => s.kind === "tool"),
      run.filter((s) => s.kind === "llm")[1],
    );
  });
});

describe("Traceloop on a LangChain agent", () => {
  it("stores the workflow as one run, with the tool's name from LangChain's ToolMessage", () => {
    const run = runOf("langchain-order-status");
    expect(run.filter((s) => s.kind === "tool").map((s) => s.tool_name)).toEqual(["get_order"]);
    // The chain spans name themselves as workflows; the run is the Traceloop workflow's.
    expect(run.find((s) => s.parent_span_id === "")?.span_name).toBe("langchain-order-status.workflow");
  });

  it("sees that the next chat call read the tool's result", () => {
    const run = runOf("langchain-order-status");
    const tool = run.find((s) => s.kind === "tool");
    const later = run.filter((s) => s.kind === "llm" && s.start_time > (tool?.end_time ?? ""));
    expect(later.length).toBeGreaterThan(0);
    for (const llm of later) expectResultRead(tool, llm);
  });

  // Both instrumentations record every model call: LangChain's callback handler and the OpenAI
  // client's patch each make a `chat gpt-4o-mini` span, siblings under the workflow span, with
  // the same model and usage, the client's within LangChain's. Another change removes the copy
  // in SQL; until then such a call is counted twice, as this test shows. (Traceloop 0.27's
  // LangChain handler now and then never ends one of its spans, which is then never exported:
  // so at least one call, not every call, is seen twice.)
  it("records a model call twice, as two sibling llm spans with the same usage", () => {
    const llms = tokenSpans(runOf("langchain-order-status"));
    const client = llms.filter((s) => s.scope_name === "@traceloop/instrumentation-openai");
    const chain = llms.filter((s) => s.scope_name === "@traceloop/instrumentation-langchain");
    expect(tokensOf(client), describeSpans(stored.spans)).toEqual([usage(FIRST, SENT), usage(SECOND, SENT)]);
    const pairs = chain.map((c) => {
      const twin = client.find(
        (o) => o.input_tokens === c.input_tokens && o.output_tokens === c.output_tokens,
      );
      return { c, twin };
    });
    expect(pairs.length).toBeGreaterThan(0);
    for (const { c, twin } of pairs) {
      expect(twin, "the client's span of the same call").toBeDefined();
      expect(c.parent_span_id).toBe(twin?.parent_span_id);
      expect(c.span_name).toBe(twin?.span_name);
      expect(c.model).toBe(twin?.model);
      expect(c.start_time <= (twin?.start_time ?? "") && (twin?.end_time ?? "") <= c.end_time).toBe(true);
    }
    // The double count, today: the run's total is every copy's tokens, more than the provider's.
    const total = stored.runs.find((r) => r.workflow === "langchain-order-status")?.tokens;
    expect(total).toBe(llms.reduce((sum, s) => sum + s.total_tokens, 0));
    expect(total).toBeGreaterThan(RUN_TOKENS);
  });

  it.todo("counts each model call once when LangChain's and the client's instrumentation both record it");
});

describe("Traceloop findings", () => {
  it("finds no waste in these runs", () => {
    expectNoFindings(stored.findings);
  });
});
