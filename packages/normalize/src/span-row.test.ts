import type { AttributeMap, DecodedSpan } from "@leantrace/otlp";
import { loadPriceTable } from "@leantrace/pricing";
import type { SpanRow } from "@leantrace/storage";
import { describe, expect, it } from "vitest";
import { normalizeTraceRequest } from "./span-row.ts";

const PRICES = loadPriceTable();
const TRACE = "0af7651916cd43dd8448eb211c80319c";
let nextSpan = 1;

function span(name: string, attributes: AttributeMap, parent = "b7ad6b7169203331"): DecodedSpan {
  return {
    traceId: TRACE,
    spanId: (nextSpan++).toString(16).padStart(16, "0"),
    parentSpanId: parent,
    name,
    kind: 1,
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_500_000_000n,
    attributes,
    events: [],
    statusCode: 0,
    statusMessage: "",
  };
}

function rows(spans: DecodedSpan[], resource: AttributeMap = {}): SpanRow[] {
  const batch = normalizeTraceRequest(
    [{ resource, scopeSpans: [{ scopeName: "t", scopeVersion: "1", spans, rejected: [] }] }],
    { prices: PRICES },
  );
  expect(batch.rejected).toBe(0);
  return batch.rows;
}

function one(name: string, attributes: AttributeMap, parent?: string): SpanRow {
  return rows([span(name, attributes, parent)])[0] as SpanRow;
}

describe("dialects", () => {
  it("reads the latest GenAI names", () => {
    const row = one("chat gpt-4o", {
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o",
      "gen_ai.provider.name": "openai",
      "gen_ai.usage.input_tokens": 1000,
      "gen_ai.usage.output_tokens": 250,
      "gen_ai.usage.cache_read.input_tokens": 800,
      "gen_ai.usage.cache_creation.input_tokens": 100,
      "gen_ai.usage.reasoning.output_tokens": 200,
    });
    expect(row).toMatchObject({
      kind: "llm",
      model: "gpt-4o",
      provider: "openai",
      input_tokens: 1000,
      output_tokens: 250,
      cache_read_input_tokens: 800,
      cache_creation_input_tokens: 100,
      reasoning_output_tokens: 200,
      // cached input and reasoning output are inside input and output: not added again
      total_tokens: 1250,
    });
    // gpt-4o: 100 fresh input at 2.50, 800 cached at 1.25, 100 cache writes at input price, 250 output at 10
    expect(row.cost).toBeCloseTo((100 * 2.5 + 800 * 1.25 + 100 * 2.5 + 250 * 10) / 1e6, 12);
  });

  it("reads the deprecated GenAI names", () => {
    const row = one("openai.chat", {
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-3.5-turbo",
      "gen_ai.usage.prompt_tokens": "40",
      "gen_ai.usage.completion_tokens": 2,
    });
    expect(row).toMatchObject({
      kind: "llm",
      provider: "openai",
      input_tokens: 40,
      output_tokens: 2,
      total_tokens: 42,
    });
  });

  it("reads OpenInference", () => {
    const [chain, llm, retriever, tool] = rows([
      span("agent run", { "openinference.span.kind": "CHAIN" }, ""),
      span("ChatAnthropic", {
        "openinference.span.kind": "LLM",
        "llm.model_name": "claude-sonnet-4-5",
        "llm.provider": "anthropic",
        "llm.token_count.prompt": 500,
        "llm.token_count.completion": 60,
        "llm.token_count.prompt_details.cache_read": 300,
        "llm.token_count.completion_details.reasoning": 20,
        "input.value": '[{"role":"user","content":"hi"}]',
      }),
      span("retrieve", {
        "openinference.span.kind": "RETRIEVER",
        "input.value": "Refund policy?",
        "retrieval.documents.1.document.id": "doc-b",
        "retrieval.documents.0.document.id": "doc-a",
      }),
      span("lookup", { "openinference.span.kind": "TOOL", "tool.name": "lookup", "input.value": '{"id":1}' }),
    ]);
    expect(chain).toMatchObject({ kind: "workflow", total_tokens: 0 });
    expect(llm).toMatchObject({
      kind: "llm",
      model: "claude-sonnet-4-5",
      provider: "anthropic",
      total_tokens: 560,
      cache_read_input_tokens: 300,
      reasoning_output_tokens: 20,
    });
    expect(llm?.input_fp).toMatch(/^[0-9a-f]{16}$/);
    expect(retriever).toMatchObject({ kind: "retrieval", document_ids: ["doc-a", "doc-b"] });
    expect(retriever?.query_fp).toBe(one("r", { "gen_ai.retrieval.query.text": "refund policy" }).query_fp);
    expect(tool).toMatchObject({ kind: "tool", tool_name: "lookup" });
    expect(tool?.tool_args_fp).toBe(one("t", { "gen_ai.tool.call.arguments": '{ "id": 1 }' }).tool_args_fp);
  });

  it("reads Traceloop", () => {
    const [wf, task, llm, tool] = rows([
      span(
        "support.workflow",
        { "traceloop.span.kind": "workflow", "traceloop.workflow.name": "support" },
        "",
      ),
      span("triage.task", { "traceloop.span.kind": "task" }),
      span("openai.chat", {
        "gen_ai.system": "openai",
        "gen_ai.request.model": "o3",
        "gen_ai.usage.prompt_tokens": 100,
        "gen_ai.usage.completion_tokens": 50,
        "gen_ai.usage.reasoning_tokens": 30,
        "gen_ai.usage.cache_read_input_tokens": 64,
      }),
      span("search.tool", { "traceloop.span.kind": "tool", "traceloop.entity.name": "search" }),
    ]);
    expect(wf).toMatchObject({ kind: "workflow", workflow: "support" });
    expect(task).toMatchObject({ kind: "other" });
    expect(llm).toMatchObject({
      kind: "llm",
      total_tokens: 150,
      reasoning_output_tokens: 30,
      cache_read_input_tokens: 64,
    });
    expect(tool).toMatchObject({ kind: "tool", tool_name: "search" });
  });

  it("reads the Vercel AI SDK and counts a wrapper's usage once", () => {
    const [outer, inner, call] = rows([
      span("ai.generateText", { "ai.usage.promptTokens": 300, "ai.usage.completionTokens": 40 }),
      span("ai.generateText.doGenerate", {
        "ai.model.id": "gpt-4.1",
        "ai.model.provider": "openai.chat",
        "ai.usage.promptTokens": 300,
        "ai.usage.completionTokens": 40,
      }),
      span("ai.toolCall", { "ai.toolCall.name": "weather", "ai.toolCall.args": '{"city":"Paris"}' }),
    ]);
    expect(outer).toMatchObject({ kind: "agent", input_tokens: 300, total_tokens: 0 });
    expect(inner).toMatchObject({
      kind: "llm",
      model: "gpt-4.1",
      // Vercel's provider id, as the GenAI conventions name the provider.
      provider: "openai",
      total_tokens: 340,
    });
    expect(call).toMatchObject({ kind: "tool", tool_name: "weather" });
    expect(call?.tool_args_fp).toMatch(/^[0-9a-f]{16}$/);
  });

  it("reads leantrace's own attributes: outcome, case, run id for the whole trace", () => {
    const [root, child] = rows(
      [
        span(
          "invoke_workflow support",
          {
            "gen_ai.workflow.name": "support",
            "leantrace.outcome": "success",
            "leantrace.outcome.value": "0.5",
            "leantrace.case.id": "case-1",
            "leantrace.run.id": "run-7",
          },
          "",
        ),
        span("chat", { "gen_ai.operation.name": "chat" }),
      ],
      { "service.name": "agent", "service.version": "2.0.1" },
    );
    expect(root).toMatchObject({
      kind: "workflow",
      workflow: "support",
      outcome: "success",
      outcome_value: 0.5,
      case_id: "case-1",
      run_id: "run-7",
      service_name: "agent",
      service_version: "2.0.1",
    });
    expect(child?.run_id).toBe("run-7");
  });

  it("cuts oversized values with a marker, after fingerprinting them whole", () => {
    const huge = "x".repeat(100_000);
    const [row] = normalizeTraceRequest(
      [
        {
          resource: {},
          scopeSpans: [
            {
              scopeName: "",
              scopeVersion: "",
              rejected: [],
              spans: [span("t", { "gen_ai.tool.name": "read", "gen_ai.tool.call.result": huge })],
            },
          ],
        },
      ],
      { prices: PRICES, maxAttributeChars: 1000 },
    ).rows;
    expect(row?.span_attributes["gen_ai.tool.call.result"]).toBe(
      `${"x".repeat(1000)}…[truncated 99000 chars]`,
    );
    expect(row?.result_chars).toBe(100_000);
    expect(row?.result_fp).toBe(
      one("t", { "gen_ai.tool.name": "read", "gen_ai.tool.call.result": huge }).result_fp,
    );
  });

  it("keeps every attribute as text, and rejects spans with unusable ids", () => {
    const row = one("x", { n: 1, b: true, big: 2n ** 63n, list: [1, "a"], bytes: new Uint8Array([1, 2]) });
    expect(row.span_attributes).toEqual({
      n: "1",
      b: "true",
      big: "9223372036854775808",
      list: '[1,"a"]',
      bytes: "AQI=",
    });
    const batch = normalizeTraceRequest(
      [
        {
          resource: {},
          scopeSpans: [
            {
              scopeName: "",
              scopeVersion: "",
              rejected: [],
              spans: [{ ...span("bad", {}), traceId: "00000000000000000000000000000000" }, span("good", {})],
            },
          ],
        },
      ],
      { prices: PRICES },
    );
    expect(batch.rejected).toBe(1);
    expect(batch.rows.map((r) => r.span_name)).toEqual(["good"]);
    expect(batch.errors[0]).toContain("trace id");
  });
});

describe("what the analyzers need from every dialect", () => {
  it("reads a shell command's effect from the arguments another instrumentation recorded", () => {
    const tool = (command: string) =>
      one("execute_tool bash", {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "bash",
        "gen_ai.tool.call.arguments": JSON.stringify({ command }),
      });
    expect(tool("grep -n foo src/a.py | head").effect).toBe("read");
    expect(tool("sed -i 's/a/b/' src/a.py").effect).toBe("write");
    // Not a shell tool: left to the analyzers' name rules.
    expect(
      one("execute_tool lookup", { "gen_ai.tool.name": "lookup", "gen_ai.tool.call.arguments": "{}" }).effect,
    ).toBe("");
    // The SDK's own word wins.
    expect(one("t", { "gen_ai.tool.name": "deploy", "leantrace.tool.effect": "write" }).effect).toBe("write");
  });

  it("reads results, failures and refusals from OpenInference and GenAI spans", () => {
    const oi = one("search", {
      "openinference.span.kind": "TOOL",
      "tool.name": "search",
      "input.value": '{"q": "refund"}',
      "output.value": "3 results",
    });
    expect(oi.result_fp).not.toBe("");
    expect(oi.tool_args_fp).not.toBe("");
    const failed = one("execute_tool pay", { "gen_ai.tool.name": "pay", "error.type": "timeout" });
    expect(failed.error_type).toBe("timeout");
    const refused = one("chat", {
      "gen_ai.operation.name": "chat",
      "leantrace.step.rejected": "two actions",
    });
    expect(refused.error_type).toBe("rejected");
  });

  it("records no argument fingerprint for a tool call whose arguments were not recorded", () => {
    // Two such calls must not look like the same call to the analyzers.
    const bare = one("execute_tool search", {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "search",
    });
    expect(bare.tool_args_fp).toBe("");
    expect(bare.result_fp).toBe("");
  });

  it("fingerprints a list of queries as a set", () => {
    const q = (list: string[]) =>
      one("retrieval", {
        "gen_ai.operation.name": "retrieval",
        "gen_ai.retrieval.query.text": JSON.stringify(list),
      });
    expect(q(["Refund policy?", "shipping"]).query_fp).toBe(q(["shipping", "refund policy"]).query_fp);
    expect(q(["refund policy"]).query_fp).not.toBe(q(["shipping"]).query_fp);
  });
});

const ROOT = "";

describe("what real instrumentations send", () => {
  const result = { orderId: "A-17", status: "shipped", carrier: "DHL" };

  it("matches a tool result with the later message carrying it as a tool_call_response part", () => {
    const [tool, llm] = rows([
      span("get_order.tool", {
        "traceloop.span.kind": "tool",
        "traceloop.entity.name": "get_order",
        "traceloop.entity.output": JSON.stringify(result),
      }),
      span("chat gpt-4o-mini", {
        "gen_ai.operation.name": "chat",
        "gen_ai.input.messages": JSON.stringify([
          { role: "user", parts: [{ type: "text", content: "Where is my order A-17?" }] },
          {
            role: "assistant",
            parts: [{ type: "tool_call", id: "c1", name: "get_order", arguments: { orderId: "A-17" } }],
          },
          // Key order and spacing differ from the tool's output: the same result all the same.
          {
            role: "tool",
            parts: [
              {
                type: "tool_call_response",
                id: "c1",
                response: '{"status": "shipped", "orderId": "A-17", "carrier": "DHL"}',
              },
            ],
          },
        ]),
      }),
    ]);
    expect(tool?.result_fp).not.toBe("");
    expect(llm?.input_part_fps).toHaveLength(3);
    expect(llm?.input_part_fps[2]).toBe(tool?.result_fp);
  });

  it("gives each tool result of one message its own fingerprint", () => {
    const [llm, a, b] = rows([
      span("chat", {
        "gen_ai.operation.name": "chat",
        "gen_ai.input.messages": JSON.stringify([
          {
            role: "user",
            parts: [
              { type: "tool_call_response", id: "a", response: "first" },
              { type: "tool_call_response", id: "b", response: "second" },
            ],
          },
        ]),
      }),
      span("a", {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "x",
        "gen_ai.tool.call.result": "first",
      }),
      span("b", {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "x",
        "gen_ai.tool.call.result": "second",
      }),
    ]);
    expect(llm?.input_part_fps).toEqual([a?.result_fp, b?.result_fp]);
  });

  it("reads the Vercel AI SDK's prompt messages, with tool results, as input fingerprints", () => {
    const [tool, llm] = rows([
      span("ai.toolCall", { "ai.toolCall.name": "get_order", "ai.toolCall.result": JSON.stringify(result) }),
      span("ai.generateText.doGenerate", {
        "ai.model.id": "gpt-4o-mini",
        "ai.prompt.messages": JSON.stringify([
          { role: "user", content: [{ type: "text", text: "Where is my order A-17?" }] },
          {
            role: "assistant",
            content: [
              { type: "tool-call", toolCallId: "c1", toolName: "get_order", input: { orderId: "A-17" } },
            ],
          },
          {
            role: "tool",
            content: [
              {
                type: "tool-result",
                toolCallId: "c1",
                toolName: "get_order",
                output: { type: "json", value: result },
              },
            ],
          },
        ]),
      }),
    ]);
    expect(llm?.input_part_fps).toHaveLength(3);
    expect(llm?.input_part_fps[2]).toBe(tool?.result_fp);
  });

  it("reads OpenInference's flattened input messages, and a TOOL span's name when it has no tool.name", () => {
    const [tool, llm] = rows([
      span("get_order", { "openinference.span.kind": "TOOL", "output.value": JSON.stringify(result) }),
      span("OpenAI Chat Completions", {
        "openinference.span.kind": "LLM",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "Where is my order A-17?",
        "llm.input_messages.1.message.role": "assistant",
        "llm.input_messages.1.message.tool_calls.0.tool_call.function.name": "get_order",
        "llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments": '{"orderId":"A-17"}',
        "llm.input_messages.2.message.role": "tool",
        "llm.input_messages.2.message.content": JSON.stringify(result),
      }),
    ]);
    expect(tool).toMatchObject({ kind: "tool", tool_name: "get_order" });
    expect(llm?.input_part_fps).toHaveLength(3);
    expect(llm?.input_part_fps[2]).toBe(tool?.result_fp);
  });

  it("reads a LangChain ToolMessage result as its content, and the tool's name from it", () => {
    const toolMessage = {
      lc: 1,
      type: "constructor",
      id: ["langchain_core", "messages", "ToolMessage"],
      kwargs: { status: "success", content: JSON.stringify(result), tool_call_id: "c1", name: "get_order" },
    };
    const [traceloop, openInference, llm] = rows([
      span("execute_tool DynamicStructuredTool", {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.provider.name": "langchain",
        "traceloop.span.kind": "task",
        "traceloop.entity.name": "DynamicStructuredTool",
        "traceloop.entity.output": JSON.stringify(toolMessage),
      }),
      span("get_order", {
        "openinference.span.kind": "TOOL",
        "tool.name": "get_order",
        "output.value": JSON.stringify({ output: toolMessage }),
      }),
      span("chat gpt-4o-mini", {
        "gen_ai.operation.name": "chat",
        "gen_ai.input.messages": JSON.stringify([
          { role: "tool", parts: [{ type: "text", content: JSON.stringify(result) }] },
        ]),
      }),
    ]);
    expect(traceloop).toMatchObject({
      kind: "tool",
      tool_name: "get_order",
      provider: "",
      result_chars: JSON.stringify(result).length,
    });
    expect(openInference).toMatchObject({ kind: "tool", tool_name: "get_order" });
    expect(traceloop?.result_fp).toBe(llm?.input_part_fps[0]);
    expect(openInference?.result_fp).toBe(llm?.input_part_fps[0]);
  });

  it("reads Vercel's embedding tokens, cache writes, reasoning details and function id", () => {
    const [embed, generate] = rows([
      span("ai.embed.doEmbed", {
        "ai.model.id": "text-embedding-3-small",
        "ai.model.provider": "openai.embedding",
        "ai.usage.tokens": 3,
        "ai.telemetry.functionId": "kb-embed",
      }),
      span("ai.generateText.doGenerate", {
        "ai.model.id": "claude-sonnet-4",
        "ai.model.provider": "anthropic.messages",
        "ai.usage.inputTokens": 900,
        "ai.usage.outputTokens": 50,
        "ai.usage.inputTokenDetails.cacheReadTokens": 600,
        "ai.usage.inputTokenDetails.cacheWriteTokens": 200,
        "ai.usage.outputTokenDetails.reasoningTokens": 20,
        "ai.telemetry.functionId": "order-status",
      }),
    ]);
    expect(embed).toMatchObject({
      kind: "embedding",
      input_tokens: 3,
      total_tokens: 3,
      provider: "openai",
      workflow: "kb-embed",
    });
    expect(generate).toMatchObject({
      kind: "llm",
      provider: "anthropic",
      cache_read_input_tokens: 600,
      cache_creation_input_tokens: 200,
      reasoning_output_tokens: 20,
      workflow: "order-status",
    });
  });

  it("reads the renamed cache-write attribute before the old one", () => {
    expect(
      one("chat", { "gen_ai.operation.name": "chat", "gen_ai.usage.cache_write.input_tokens": 70 }),
    ).toMatchObject({
      cache_creation_input_tokens: 70,
    });
    expect(
      one("chat", {
        "gen_ai.operation.name": "chat",
        "gen_ai.usage.cache_write.input_tokens": 70,
        "gen_ai.usage.cache_creation.input_tokens": 5,
      }),
    ).toMatchObject({ cache_creation_input_tokens: 70 });
  });

  it("normalizes provider names to the GenAI conventions' well-known values, keeping unknown ones", () => {
    const provider = (attributes: AttributeMap) =>
      one("chat", { "gen_ai.operation.name": "chat", ...attributes }).provider;
    expect(provider({ "gen_ai.system": "openai.chat" })).toBe("openai");
    expect(provider({ "gen_ai.system": "openai.responses" })).toBe("openai");
    expect(provider({ "ai.model.provider": "anthropic.messages" })).toBe("anthropic");
    expect(provider({ "ai.model.provider": "amazon-bedrock" })).toBe("aws.bedrock");
    expect(provider({ "ai.model.provider": "azure.chat" })).toBe("azure.ai.openai");
    expect(provider({ "ai.model.provider": "google.generative-ai" })).toBe("gcp.gemini");
    expect(provider({ "ai.model.provider": "google.vertex.chat" })).toBe("gcp.vertex_ai");
    expect(provider({ "gen_ai.system": "az.ai.openai" })).toBe("azure.ai.openai");
    expect(provider({ "llm.provider": "mistralai" })).toBe("mistral_ai");
    expect(provider({ "gen_ai.provider.name": "langchain" })).toBe("");
    expect(provider({ metadata: '{"ls_provider":"openai","ls_model_name":"gpt-4o-mini"}' })).toBe("openai");
    expect(provider({ "gen_ai.provider.name": "acme-llm" })).toBe("acme-llm");
  });

  it("names a run after its service when its root span is a library's name for one call", () => {
    const service = { "service.name": "support-agent" };
    const chat = { "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini" };
    expect(rows([span("chat gpt-4o-mini", chat, ROOT)], service)[0]?.workflow).toBe("support-agent");
    expect(
      rows([span("OpenAI Chat Completions", { "openinference.span.kind": "LLM" }, ROOT)], service)[0]
        ?.workflow,
    ).toBe("support-agent");
    expect(rows([span("ai.streamText", { "ai.model.id": "gpt-4o-mini" }, ROOT)], service)[0]?.workflow).toBe(
      "support-agent",
    );
    // Vercel AI SDK 7 names its root span after the model and the function id as the agent.
    const agent = { "gen_ai.operation.name": "invoke_agent", "gen_ai.request.model": "gpt-4o-mini" };
    expect(rows([span("invoke_agent gpt-4o-mini", agent, ROOT)], service)[0]?.workflow).toBe("support-agent");
    expect(
      rows(
        [span("invoke_agent gpt-4o-mini", { ...agent, "gen_ai.agent.name": "order-status" }, ROOT)],
        service,
      )[0]?.workflow,
    ).toBe("order-status");
    // A root span the application named still names its run (the runs view reads its name).
    expect(rows([span("order-status", {}, ROOT)], service)[0]?.workflow).toBe("");
    expect(
      rows([span("invoke_agent triage", { "gen_ai.operation.name": "invoke_agent" }, ROOT)], service)[0]
        ?.workflow,
    ).toBe("");
    // A workflow attribute wins; a child span never gets the service's name; nor does the default service.
    expect(
      rows([span("chat gpt-4o-mini", { ...chat, "gen_ai.workflow.name": "triage" }, ROOT)], service)[0]
        ?.workflow,
    ).toBe("triage");
    expect(rows([span("chat gpt-4o-mini", chat)], service)[0]?.workflow).toBe("");
    expect(
      rows([span("chat gpt-4o-mini", chat, ROOT)], { "service.name": "unknown_service:node" })[0]?.workflow,
    ).toBe("");
  });

  it("reads workflow invocations and the internal invocation spans that replace nested ones", () => {
    expect(
      rows([
        span(
          "invoke_workflow",
          { "gen_ai.operation.name": "invoke_workflow", "gen_ai.agent.name": "triage" },
          ROOT,
        ),
      ])[0],
    ).toMatchObject({ kind: "workflow", workflow: "triage" });
    expect(one("gen_ai.invocation.internal", { "gen_ai.invocation.is_nested": true })).toMatchObject({
      kind: "agent",
    });
    expect(
      one("invoke_agent refunds", {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.invocation.is_nested": true,
      }),
    ).toMatchObject({ kind: "agent" });
    expect(
      one("invoke_workflow refunds", {
        "gen_ai.operation.name": "invoke_workflow",
        "gen_ai.agent.name": "refunds",
        "gen_ai.invocation.is_nested": true,
      }),
    ).toMatchObject({ kind: "workflow", workflow: "" });
  });

  it("takes an evaluation recorded as a span for a judgement, not a step", () => {
    expect(
      one(
        "evaluation",
        { "gen_ai.evaluation.name": "relevance", "gen_ai.evaluation.score.value": 0.8 },
        ROOT,
      ),
    ).toMatchObject({ kind: "other", total_tokens: 0 });
  });
});
