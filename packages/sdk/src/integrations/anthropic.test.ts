// wrapAnthropic against the real `@anthropic-ai/sdk` client and a local fake of Anthropic's API:
// each messages call is one llm step (the client's own span of it left out) with the usage the
// provider reported, cache reads and writes added back into input, and the tools it chose; the
// caller gets exactly what the unwrapped client gives for the same script.
import Anthropic from "@anthropic-ai/sdk";
import { type FakeProvider, type Reply, startFakeProvider } from "@leantrace/testing/fake-provider";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { workflow } from "../wrappers.ts";
import { wrapAnthropic } from "./anthropic.ts";

const exporter = new InMemorySpanExporter();
const MODEL = "claude-sonnet-4-5";
const PARAMS = {
  model: MODEL,
  max_tokens: 512,
  system: "You answer support tickets.",
  messages: [{ role: "user" as const, content: "Where is order 42?" }],
};
// Anthropic's input_tokens leave out the cache: 40 + 1000 read + 200 written = 1240 input tokens.
const TOOL_USE: Reply = {
  api: "messages",
  content: "Let me look that up.",
  toolCalls: [{ id: "toolu_1", name: "lookup_order", arguments: { id: 42 } }],
  usage: { input: 40, output: 25, cacheRead: 1000, cacheWrite: 200 },
};
const ANSWER: Reply = {
  api: "messages",
  content: "Order 42 shipped on Monday.",
  usage: { input: 60, output: 9, cacheRead: 1200 },
};

let fakes: FakeProvider[] = [];

async function clients(script: Reply[]) {
  const [a, b] = await Promise.all([startFakeProvider(script), startFakeProvider(script)]);
  fakes.push(a, b);
  return {
    fake: a,
    wrapped: wrapAnthropic(new Anthropic({ apiKey: "test", baseURL: a.anthropicUrl, maxRetries: 0 })),
    bare: new Anthropic({ apiKey: "test", baseURL: b.anthropicUrl, maxRetries: 0 }),
  };
}

async function all<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

function leantraceSpans(): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.instrumentationScope.name === "@leantrace/sdk");
}

afterEach(async () => {
  for (const fake of fakes) expect(fake.problems).toEqual([]);
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
  exporter.reset();
});

describe("wrapAnthropic without init()", () => {
  it("passes every call to the client unchanged", async () => {
    const { wrapped, bare } = await clients([ANSWER]);
    expect(await wrapped.messages.create(PARAMS)).toEqual(await bare.messages.create(PARAMS));
  });
});

describe("wrapAnthropic", () => {
  beforeAll(() => {
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
  });

  it("records a message as one step: model, usage with the cache added back, the tools it chose", async () => {
    const { wrapped, bare } = await clients([TOOL_USE]);
    const mine = await wrapped.messages.create(PARAMS);
    // The wrapper's step replaces the span the client records of its own calls.
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual([`chat ${MODEL}`]);
    exporter.reset();
    expect(mine).toEqual(await bare.messages.create(PARAMS));
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(["anthropic.messages.create"]);
    expect(spans[0]?.attributes).toMatchObject({
      "leantrace.step.kind": "llm",
      "gen_ai.provider.name": "anthropic",
      "gen_ai.request.model": MODEL,
      "gen_ai.response.model": MODEL,
      "gen_ai.usage.input_tokens": 1240,
      "gen_ai.usage.output_tokens": 25,
      "gen_ai.usage.cache_read.input_tokens": 1000,
      "gen_ai.usage.cache_creation.input_tokens": 200,
      "leantrace.llm.tool_names": ["lookup_order"],
    });
  });

  it("streams: usage from message_start and message_delta; the caller sees the bare client's events", async () => {
    const { wrapped, bare } = await clients([TOOL_USE]);
    const stream = await wrapped.messages.create({ ...PARAMS, stream: true });
    expect(stream.controller).toBeInstanceOf(AbortController);
    const mine = await all(stream);
    const theirs = await all(await bare.messages.create({ ...PARAMS, stream: true }));
    expect(mine).toEqual(theirs);
    const [span] = leantraceSpans();
    expect(span?.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 1240,
      "gen_ai.usage.output_tokens": 25,
      "gen_ai.usage.cache_read.input_tokens": 1000,
      "gen_ai.usage.cache_creation.input_tokens": 200,
      "leantrace.llm.tool_names": ["lookup_order"],
    });
  });

  it("gives a streamed message the fingerprint of the same message whole", async () => {
    const { wrapped } = await clients([TOOL_USE, TOOL_USE]);
    await wrapped.messages.create(PARAMS);
    await all(await wrapped.messages.create({ ...PARAMS, stream: true }));
    const [whole, streamed] = leantraceSpans().map((s) => s.attributes["leantrace.fp.output"]);
    expect(streamed).toBe(whole);
  });

  it("records messages.stream() through create, once", async () => {
    const { wrapped } = await clients([ANSWER]);
    const final = await wrapped.messages.stream(PARAMS).finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "Order 42 shipped on Monday." }]);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([`chat ${MODEL}`]);
    expect(leantraceSpans()[0]?.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 1260,
      "gen_ai.usage.output_tokens": 9,
      "gen_ai.usage.cache_read.input_tokens": 1200,
    });
  });

  it("ends the step when the caller breaks out early", async () => {
    const { wrapped } = await clients([ANSWER]);
    for await (const event of await wrapped.messages.create({ ...PARAMS, stream: true })) {
      if (event.type === "content_block_delta") break;
    }
    const [span] = leantraceSpans();
    expect(span?.status.code).toBe(0);
    // message_start came: its input counts are known, not the final output count.
    expect(span?.attributes["gen_ai.usage.input_tokens"]).toBe(1260);
    expect(span?.attributes["gen_ai.usage.output_tokens"]).toBe(1);
  });

  it("records an error and rethrows it unchanged", async () => {
    const failure: Reply = {
      api: "failure",
      endpoint: "messages",
      status: 400,
      message: "max_tokens: too large",
    };
    const { wrapped, bare } = await clients([failure]);
    const mine = await wrapped.messages.create(PARAMS).catch((error: unknown) => error);
    const theirs = await bare.messages.create(PARAMS).catch((error: unknown) => error);
    expect(mine).toBeInstanceOf(Anthropic.BadRequestError);
    expect((mine as Error).message).toBe((theirs as Error).message);
    const [span] = leantraceSpans();
    expect(span?.status).toMatchObject({ code: 2, message: (mine as Error).message });
  });

  it("puts calls made in a workflow in its run", async () => {
    const { wrapped } = await clients([TOOL_USE, ANSWER]);
    await workflow("support", async (run) => {
      await wrapped.messages.create(PARAMS);
      await all(await wrapped.messages.create({ ...PARAMS, stream: true }));
      run.success();
    });
    const spans = leantraceSpans();
    const root = spans.find((s) => s.name === "invoke_workflow support");
    const calls = spans.filter((s) => s.name === `chat ${MODEL}`);
    expect(calls).toHaveLength(2);
    for (const call of calls) expect(call.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
  });
});
