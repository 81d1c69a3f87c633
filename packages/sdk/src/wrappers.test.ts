import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { configure } from "./settings.ts";
import { llm, retrieval, tool, workflow } from "./wrappers.ts";

const exporter = new InMemorySpanExporter();

describe("wrappers without an SDK", () => {
  it("return the function's result and record nothing", async () => {
    let recording: boolean | undefined;
    const result = await workflow("w", (run) => {
      recording = run.recording;
      return llm({ model: "m" }, () => 42);
    });
    expect(result).toBe(42);
    expect(recording).toBe(false);
  });
});

describe("wrappers with an SDK", () => {
  beforeAll(() => {
    // Registers the context manager too, as init() does: steps must find their workflow.
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
  });
  afterEach(() => {
    exporter.reset();
    configure({ captureContent: false, redact: undefined });
  });

  it("records a workflow's steps with tokens, fingerprints and outcome", async () => {
    const runId = await workflow(
      "support",
      async (run) => {
        await llm({ model: "gpt-4o-mini", input: [{ role: "user", content: "hi" }] }, () => ({
          model: "gpt-4o-mini-2024-07-18",
          choices: [{ message: { content: "hello" } }],
          usage: { prompt_tokens: 10, completion_tokens: 3 },
        }));
        await tool("lookup", { id: 7 }, () => "found");
        await retrieval({ query: "Refund policy?", dataSource: "kb" }, () => [
          { id: "d1", score: 0.9 },
          "d2",
        ]);
        run.success(1);
        return run.runId;
      },
      { runId: "run-1", caseId: "case-9" },
    );
    expect(runId).toBe("run-1");
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    const root = byName.get("invoke_workflow support");
    const chat = byName.get("chat gpt-4o-mini");
    const lookup = byName.get("execute_tool lookup");
    const search = byName.get("retrieval kb");
    expect(root?.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_workflow",
      "gen_ai.workflow.name": "support",
      "leantrace.run.id": "run-1",
      "leantrace.case.id": "case-9",
      "leantrace.outcome": "success",
      "leantrace.outcome.value": 1,
    });
    expect(chat?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
      "gen_ai.provider.name": "openai",
      "gen_ai.usage.input_tokens": 10,
      "gen_ai.usage.output_tokens": 3,
      "leantrace.run.id": "run-1",
      "gen_ai.workflow.name": "support",
    });
    expect(chat?.attributes["leantrace.fp.input"]).toMatch(/^[0-9a-f]{16}$/);
    expect(chat?.attributes["leantrace.fp.output"]).toMatch(/^[0-9a-f]{16}$/);
    expect(chat?.attributes["gen_ai.input.messages"]).toBeUndefined();
    expect(lookup?.attributes).toMatchObject({ "gen_ai.tool.name": "lookup" });
    expect(lookup?.attributes["gen_ai.tool.call.arguments"]).toBeUndefined();
    expect(search?.attributes["gen_ai.retrieval.documents"]).toBe('[{"id":"d1","score":0.9},{"id":"d2"}]');
    expect(search?.attributes["gen_ai.retrieval.query.text"]).toBeUndefined();
    // Every step is a child of the workflow, in the same trace.
    for (const span of [chat, lookup, search]) {
      expect(span?.spanContext().traceId).toBe(root?.spanContext().traceId);
      expect(span?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    }
  });

  it("records errors, rethrows them and marks the run failed", async () => {
    await expect(
      workflow("w", () => tool("explode", {}, () => Promise.reject(new Error("boom")))),
    ).rejects.toThrow("boom");
    const spans = exporter.getFinishedSpans();
    const failed = spans.find((s) => s.name === "execute_tool explode");
    expect(failed?.status).toEqual({ code: 2, message: "boom" });
    expect(failed?.events[0]?.name).toBe("exception");
    expect(spans.find((s) => s.name === "invoke_workflow w")?.attributes["leantrace.outcome"]).toBe(
      "failure",
    );
  });

  it("takes counts by hand over the response's", async () => {
    await llm({ model: "m", usage: { inputTokens: 5 } }, (step) => {
      step.setUsage({ outputTokens: 9 });
      return { usage: { prompt_tokens: 100, completion_tokens: 100 } };
    });
    expect(exporter.getFinishedSpans()[0]?.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 5,
      "gen_ai.usage.output_tokens": 9,
    });
  });

  it("runs the redaction hook on captured content before it reaches the span", async () => {
    configure({ captureContent: true, redact: (text) => text.replace(/\b\d{16}\b/g, "[card]") });
    await tool("charge", { card: "4111111111111111" }, () => "charged 4111111111111111");
    const attributes = exporter.getFinishedSpans()[0]?.attributes;
    expect(attributes?.["gen_ai.tool.call.arguments"]).toBe('{"card":"[card]"}');
    expect(attributes?.["gen_ai.tool.call.result"]).toBe("charged [card]");
    // The fingerprint is of the real arguments, so that repeats are still found.
    expect(attributes?.["leantrace.fp.tool_args"]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("records content only when asked to", async () => {
    configure({ captureContent: true });
    await tool("bash", { command: "ls" }, () => "a.txt");
    expect(exporter.getFinishedSpans()[0]?.attributes).toMatchObject({
      "gen_ai.tool.call.arguments": '{"command":"ls"}',
      "gen_ai.tool.call.result": "a.txt",
    });
  });

  it("marks a refused turn, and records what a tool call does to the world", async () => {
    await workflow("agent", async () => {
      const answer = await llm({ model: "m", input: [{ role: "user", content: "go" }] }, (step) => {
        step.reject("found 2 actions");
        return {
          choices: [{ message: { content: "two commands" } }],
          usage: { prompt_tokens: 5, completion_tokens: 2 },
        };
      });
      expect(answer.choices[0]?.message.content).toBe("two commands");
      await tool("bash", { command: "cat a.py | grep x" }, () => "x = 1");
      await tool("bash", { command: "sed -i 's/1/2/' a.py" }, () => "");
      await tool("deploy", { env: "prod" }, () => "ok", { effect: "write" });
      await tool("lookup", { id: 1 }, () => "found");
    });
    const spans = exporter.getFinishedSpans();
    const refused = spans.find((s) => s.name === "chat m");
    expect(refused?.status).toEqual({ code: 2, message: "found 2 actions" });
    expect(refused?.attributes["leantrace.step.rejected"]).toBe("found 2 actions");
    const effects = spans
      .filter((s) => s.name.startsWith("execute_tool"))
      .map((s) => s.attributes["leantrace.tool.effect"]);
    // Shell commands are classed by the SDK; other tools are left to the analyzers' name rules.
    expect(effects).toEqual(["read", "write", "write", undefined]);
  });
});
