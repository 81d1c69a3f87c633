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
    expect(tokensOf(tokenSpans(run)), describeSpans(run)).toEqual([usage(FIRST, SENT), usage(SECOND, SENT)]);
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
  // the same model and usage, the client's within LangChain's. (Traceloop 0.27's LangChain
  // handler now and then never ends one of its spans, which is then never exported: so at least
  // one call, not every call, is seen twice.)
  it("counts each model call once when LangChain's and the client's instrumentation both record it, and says which", () => {
    const run = runOf("langchain-order-status");
    const llms = run.filter((s) => s.kind === "llm");
    const client = llms.filter((s) => s.scope_name === "@traceloop/instrumentation-openai");
    const chain = llms.filter((s) => s.scope_name === "@traceloop/instrumentation-langchain");
    expect(
      client.every((s) => s.duplicate_of === ""),
      describeSpans(run),
    ).toBe(true);
    expect(tokensOf(tokenSpans(run)), describeSpans(run)).toEqual([usage(FIRST, SENT), usage(SECOND, SENT)]);
    expect(chain.length).toBeGreaterThan(0);
    for (const copy of chain) {
      const twin = client.find((s) => s.span_id === copy.duplicate_of);
      expect(twin, `the client's span of the call ${copy.span_id} repeats`).toBeDefined();
      expect(copy.parent_span_id).toBe(twin?.parent_span_id);
      expect(copy.model).toBe(twin?.model);
      expect(copy.start_time <= (twin?.start_time ?? "") && (twin?.end_time ?? "") <= copy.end_time).toBe(
        true,
      );
      expect(copy.total_tokens).toBe(0);
      // What the copy reported is kept in its attributes.
      expect(
        Number(
          copy.span_attributes["gen_ai.usage.input_tokens"] ??
            copy.span_attributes["gen_ai.usage.prompt_tokens"],
        ),
      ).toBe(twin?.input_tokens);
    }
    expect(stored.runs.find((r) => r.workflow === "langchain-order-status")?.tokens).toBe(RUN_TOKENS);
  });
});

describe("Traceloop findings", () => {
  it("finds no waste in these runs", () => {
    expectNoFindings(stored.findings);
  });
});
