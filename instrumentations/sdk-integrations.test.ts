// Our own one-line integrations (`@leantrace/sdk/vercel-ai`, `/langchain`, `/openai-agents`)
// on the real libraries, against the fake provider, exporting through our SDK's `init()` to a
// real collector. Each scenario runs its agent once inside a leantrace workflow (outcome and
// case recorded there) and once without one (the library's own run is the run): what is stored
// must be what the provider reported, grouped into one run per call, named as the agent named
// it, and with no waste found where there is none.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoFindings, expectResultRead, tokensOf, usage } from "./expectations.ts";
import {
  describeSpans,
  type Harness,
  type RunTotal,
  type Stored,
  type StoredSpan,
  startHarness,
  tokenSpans,
} from "./harness.ts";
import { EMBEDDING, FIRST, HELLO, RUN_TOKENS, SECOND, toolConversation } from "./scripts.ts";

let harness: Harness;
let stored: Stored;

beforeAll(async () => {
  harness = await startHarness();
  await harness.scenario("sdk-vercel-ai", [
    ...toolConversation("responses"),
    { api: "embeddings", usage: EMBEDDING },
    { api: "chat", content: "Hello there!", usage: HELLO },
  ]);
  await harness.scenario("sdk-langchain", [...toolConversation("chat"), ...toolConversation("chat")]);
  await harness.scenario("sdk-openai-agents", [
    ...toolConversation("responses"),
    ...toolConversation("responses"),
  ]);
  stored = await harness.collect();
}, 120_000);

afterAll(() => harness.close());

/** Every usage figure the fake provider reports reaches the stored row: cached input and reasoning too. */
const ALL = { cached: true, reasoning: true };

type StoredRun = RunTotal & { caseId: string };

function runsNamed(workflow: string): StoredRun[] {
  return stored.runs.filter((r) => r.workflow === workflow) as StoredRun[];
}

function spansOf(run: StoredRun | undefined): StoredSpan[] {
  return stored.spans.filter((s) => s.run_id === run?.runId);
}

/** The one run named `workflow`, and its spans; fails (printing every span) when there are more. */
function theRun(workflow: string): { run: StoredRun; spans: StoredSpan[] } {
  const runs = runsNamed(workflow);
  expect(runs, `${workflow}\n${describeSpans(stored.spans)}`).toHaveLength(1);
  const run = runs[0] as StoredRun;
  return { run, spans: spansOf(run) };
}

/** One trace, one root: our workflow span, every other span below it. */
function expectOneTree(spans: readonly StoredSpan[], rootName: string) {
  const roots = spans.filter((s) => s.parent_span_id === "");
  expect(roots.map((s) => `${s.kind} ${s.span_name}`)).toEqual([`workflow ${rootName}`]);
  expect(new Set(spans.map((s) => s.trace_id)).size).toBe(1);
  const ids = new Set(spans.map((s) => s.span_id));
  for (const span of spans) if (span.parent_span_id !== "") expect(ids).toContain(span.parent_span_id);
}

describe.each([
  { library: "Vercel AI SDK (leantraceTelemetry)", prefix: "vercel", extraTokens: EMBEDDING.input },
  { library: "LangChain (LeantraceCallbackHandler)", prefix: "langchain", extraTokens: 0 },
  { library: "@openai/agents (LeantraceTraceProcessor)", prefix: "agents", extraTokens: 0 },
])("$library", ({ prefix, extraTokens }) => {
  it("groups a call inside a workflow into that workflow's one run, with its outcome and case", () => {
    const { run, spans } = theRun(`${prefix}-order-status`);
    expect([run.outcome, run.caseId]).toEqual(["success", "order-A-17"]);
    expectOneTree(spans, `invoke_workflow ${prefix}-order-status`);
    expect(new Set(spans.map((s) => s.workflow))).toEqual(new Set([`${prefix}-order-status`]));
    expect(new Set(spans.map((s) => s.scope_name))).toEqual(new Set(["@leantrace/sdk"]));
  });

  it("records the LLM calls with the provider's usage, the tool by name, the model and provider", () => {
    const { run, spans } = theRun(`${prefix}-order-status`);
    const llms = tokenSpans(spans).filter((s) => s.kind === "llm");
    expect(tokensOf(llms)).toEqual([usage(FIRST, ALL), usage(SECOND, ALL)]);
    expect(spans.filter((s) => s.kind === "tool").map((s) => s.tool_name)).toEqual(["get_order"]);
    expect(new Set(llms.map((s) => `${s.model} ${s.provider}`))).toEqual(new Set(["gpt-4o-mini openai"]));
    expect(run.tokens).toBe(RUN_TOKENS + extraTokens);
  });

  it("fingerprints the tool's result as the next LLM call carries it, with no content stored", () => {
    const { spans } = theRun(`${prefix}-order-status`);
    const llms = spans.filter((s) => s.kind === "llm");
    expectResultRead(
      spans.find((s) => s.kind === "tool"),
      llms[1],
    );
    expect(spans.find((s) => s.kind === "tool")?.span_attributes["leantrace.fp.tool_args"]).toMatch(
      /^[0-9a-f]{16}$/,
    );
    const content = spans.flatMap((s) =>
      Object.keys(s.span_attributes).filter(
        (k) =>
          k.startsWith("gen_ai.input") || k.startsWith("gen_ai.output") || k.startsWith("gen_ai.tool.call."),
      ),
    );
    expect(content).toEqual([]);
  });

  it("makes the library's own run the run outside any workflow, named as the agent named it", () => {
    const { run, spans } = theRun(`${prefix}-bare`);
    expect(run.outcome).toBe("unknown");
    expectOneTree(spans, `invoke_workflow ${prefix}-bare`);
    expect(run.tokens).toBe(prefix === "vercel" ? HELLO.input + HELLO.output : RUN_TOKENS);
  });
});

describe("specifics", () => {
  it("Vercel AI SDK: the embedding is an embedding step with the provider's count", () => {
    const { spans } = theRun("vercel-order-status");
    const embeddings = spans.filter((s) => s.kind === "embedding");
    expect(embeddings.map((s) => [s.model, s.total_tokens])).toEqual([
      ["text-embedding-3-small", EMBEDDING.input],
    ]);
  });

  it("LangChain: the retriever is a retrieval step naming the documents it found", () => {
    const { spans } = theRun("langchain-order-status");
    const retrievals = spans.filter((s) => s.kind === "retrieval");
    expect(retrievals).toHaveLength(1);
    expect(JSON.parse(retrievals[0]?.span_attributes["gen_ai.retrieval.documents"] ?? "[]")).toEqual([
      { id: "kb-shipping", score: 0.9 },
      { id: "kb-carriers", score: 0.7 },
    ]);
    expect(retrievals[0]?.span_attributes["leantrace.fp.query"]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("@openai/agents: its agent is an agent step holding the calls", () => {
    const { spans } = theRun("agents-order-status");
    const agentStep = spans.find((s) => s.kind === "agent" && s.span_name === "invoke_agent Order assistant");
    expect(agentStep).toBeDefined();
    for (const s of spans.filter((x) => x.kind === "llm" || x.kind === "tool")) {
      expect(s.parent_span_id).toBe(agentStep?.span_id);
    }
  });

  it("finds no waste in these runs", () => {
    expectNoFindings(stored.findings);
  });
});
