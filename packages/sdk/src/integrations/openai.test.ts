// wrapOpenAI against the real `openai` client and a local fake of OpenAI's API: each call is an
// llm (or embedding) step with the usage the provider reported and the tools the model chose,
// and the caller gets exactly what the unwrapped client gives for the same script.
import { type FakeProvider, type Reply, startFakeProvider } from "@leantrace/testing/fake-provider";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import OpenAI from "openai";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { workflow } from "../wrappers.ts";
import { wrapOpenAI } from "./openai.ts";

const exporter = new InMemorySpanExporter();
const USER = [{ role: "user" as const, content: "Where is order 42?" }];
const TOOLS = [
  {
    type: "function" as const,
    function: { name: "lookup_order", parameters: { type: "object", properties: {} } },
  },
];
const TOOL_CALL: Reply = {
  api: "chat",
  toolCalls: [
    { id: "call_1", name: "lookup_order", arguments: { id: 42 } },
    { id: "call_2", name: "track_parcel", arguments: { order: 42 } },
  ],
  usage: { input: 120, output: 30, cached: 64, reasoning: 12 },
};
const ANSWER: Reply = {
  api: "chat",
  content: "Order 42 shipped on Monday.",
  usage: { input: 180, output: 12 },
};

let fakes: FakeProvider[] = [];

/** Two fake providers with the same script: one for the wrapped client, one for a bare one. */
async function clients(script: Reply[]) {
  const [a, b] = await Promise.all([startFakeProvider(script), startFakeProvider(script)]);
  fakes.push(a, b);
  return {
    fake: a,
    wrapped: wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: a.url, maxRetries: 0 })),
    bare: new OpenAI({ apiKey: "test", baseURL: b.url, maxRetries: 0 }),
  };
}

async function all<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

function onlySpan(): ReadableSpan {
  const spans = exporter.getFinishedSpans();
  expect(spans.map((s) => s.name)).toHaveLength(1);
  return spans[0] as ReadableSpan;
}

afterEach(async () => {
  for (const fake of fakes) expect(fake.problems).toEqual([]);
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
  exporter.reset();
});

describe("wrapOpenAI without init()", () => {
  it("passes every call to the client unchanged", async () => {
    const { fake, wrapped, bare } = await clients([ANSWER]);
    const params = { model: "gpt-4o-mini", messages: USER, stream: true as const };
    const [mine, theirs] = await Promise.all([
      all(await wrapped.chat.completions.create(params)),
      all(await bare.chat.completions.create(params)),
    ]);
    expect(mine).toEqual(theirs);
    // Nothing records the step, so nothing asks for a usage chunk.
    expect(fake.requests[0]?.body.stream_options).toBeUndefined();
  });
});

describe("wrapOpenAI", () => {
  beforeAll(() => {
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
  });

  it("records a chat completion: model, usage, and the tools the model chose", async () => {
    const { wrapped, bare } = await clients([TOOL_CALL]);
    const params = { model: "gpt-4o-mini", messages: USER, tools: TOOLS };
    const mine = await wrapped.chat.completions.create(params);
    expect(mine).toEqual(await bare.chat.completions.create(params));
    const span = onlySpan();
    expect(span.name).toBe("chat gpt-4o-mini");
    expect(span.attributes).toMatchObject({
      "leantrace.step.kind": "llm",
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini",
      "gen_ai.usage.input_tokens": 120,
      "gen_ai.usage.output_tokens": 30,
      "gen_ai.usage.cache_read.input_tokens": 64,
      "gen_ai.usage.reasoning.output_tokens": 12,
      "leantrace.llm.tool_names": ["lookup_order", "track_parcel"],
    });
    expect(span.attributes["leantrace.fp.input"]).toMatch(/^[0-9a-f]{16}$/);
  });

  it("streams: asks for the usage, hides its chunk, and the caller sees the bare client's chunks", async () => {
    const { fake, wrapped, bare } = await clients([TOOL_CALL]);
    const params = { model: "gpt-4o-mini", messages: USER, tools: TOOLS, stream: true as const };
    const stream = await wrapped.chat.completions.create(params);
    expect(stream.controller).toBeInstanceOf(AbortController);
    const mine = await all(stream);
    const theirs = await all(await bare.chat.completions.create(params));
    expect(mine).toEqual(theirs);
    expect(mine.some((chunk) => chunk.usage)).toBe(false);
    expect(fake.requests[0]?.body.stream_options).toEqual({ include_usage: true });
    expect(onlySpan().attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 120,
      "gen_ai.usage.output_tokens": 30,
      "gen_ai.usage.cache_read.input_tokens": 64,
      "gen_ai.usage.reasoning.output_tokens": 12,
      "leantrace.llm.tool_names": ["lookup_order", "track_parcel"],
    });
  });

  it("gives a streamed answer the fingerprint of the same answer whole", async () => {
    const { wrapped } = await clients([ANSWER, ANSWER, TOOL_CALL, TOOL_CALL]);
    for (const stream of [false, true, false, true]) {
      const call = await wrapped.chat.completions.create({ model: "gpt-4o-mini", messages: USER, stream });
      if (stream) await all(call as AsyncIterable<unknown>);
    }
    const outputs = exporter.getFinishedSpans().map((s) => s.attributes["leantrace.fp.output"]);
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[3]).toBe(outputs[2]);
    expect(outputs[2]).not.toBe(outputs[0]);
  });

  it("keeps the usage chunk a caller asked for, and obeys one who declined", async () => {
    const { wrapped, bare } = await clients([ANSWER, ANSWER]);
    const asked = {
      model: "gpt-4o-mini",
      messages: USER,
      stream: true as const,
      stream_options: { include_usage: true },
    };
    const mine = await all(await wrapped.chat.completions.create(asked));
    expect(mine).toEqual(await all(await bare.chat.completions.create(asked)));
    expect(mine.at(-1)?.usage?.prompt_tokens).toBe(180);
    const declined = { ...asked, stream_options: { include_usage: false } };
    expect(await all(await wrapped.chat.completions.create(declined))).toEqual(
      await all(await bare.chat.completions.create(declined)),
    );
    const [first, second] = exporter.getFinishedSpans();
    expect(first?.attributes["gen_ai.usage.input_tokens"]).toBe(180);
    expect(second?.attributes["gen_ai.usage.input_tokens"]).toBeUndefined();
  });

  it("ends the step when the caller breaks out early, with what it saw", async () => {
    const { wrapped } = await clients([ANSWER]);
    const stream = await wrapped.chat.completions.create({
      model: "gpt-4o-mini",
      messages: USER,
      stream: true,
    });
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) break;
    }
    const span = onlySpan();
    expect(span.status.code).toBe(0);
    expect(span.attributes["gen_ai.response.model"]).toBe("gpt-4o-mini");
    expect(span.attributes["gen_ai.usage.input_tokens"]).toBeUndefined();
  });

  it("keeps the stream's other readers: toReadableStream, tee, withResponse", async () => {
    const { wrapped, bare } = await clients([ANSWER, ANSWER]);
    const params = { model: "gpt-4o-mini", messages: USER, stream: true as const };
    const { data, response } = await wrapped.chat.completions.create(params).withResponse();
    expect(response.status).toBe(200);
    const lines = (await new Response(data.toReadableStream()).text()).trim().split("\n");
    const theirs = await all(await bare.chat.completions.create(params));
    expect(lines.map((line) => JSON.parse(line))).toEqual(theirs);
    const [left, right] = (await wrapped.chat.completions.create(params)).tee();
    const again = await all(await bare.chat.completions.create(params));
    expect(await all(left)).toEqual(again);
    expect(await all(right)).toEqual(again);
    expect(exporter.getFinishedSpans().map((s) => s.attributes["gen_ai.usage.output_tokens"])).toEqual([
      12, 12,
    ]);
  });

  it("records the library's helpers through create: chat.completions.stream()", async () => {
    const { wrapped } = await clients([ANSWER]);
    const runner = wrapped.chat.completions.stream({ model: "gpt-4o-mini", messages: USER });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("Order 42 shipped on Monday.");
    expect(onlySpan().attributes["gen_ai.usage.input_tokens"]).toBe(180);
  });

  it("records an error and rethrows it unchanged", async () => {
    const failure: Reply = { api: "failure", endpoint: "chat", status: 400, message: "model not found" };
    const { wrapped, bare } = await clients([failure]);
    const params = { model: "gpt-9", messages: USER };
    const mine = await wrapped.chat.completions.create(params).catch((error: unknown) => error);
    const theirs = await bare.chat.completions.create(params).catch((error: unknown) => error);
    expect(mine).toBeInstanceOf(OpenAI.BadRequestError);
    expect((mine as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
    expect((mine as Error).message).toBe((theirs as Error).message);
    const span = onlySpan();
    expect(span.status).toMatchObject({ code: 2, message: (mine as Error).message });
    expect(span.events.map((e) => e.name)).toEqual(["exception"]);
  });

  it("records embeddings as an embedding step", async () => {
    const { wrapped, bare } = await clients([
      { api: "embeddings", usage: { input: 9 } },
      { api: "embeddings", usage: { input: 9 } },
    ]);
    const params = { model: "text-embedding-3-small", input: ["refund policy", "shipping"] };
    const mine = await wrapped.embeddings.create(params);
    expect(mine).toEqual(await bare.embeddings.create(params));
    const span = onlySpan();
    expect(span.name).toBe("embeddings text-embedding-3-small");
    expect(span.attributes).toMatchObject({
      "leantrace.step.kind": "embedding",
      "gen_ai.operation.name": "embeddings",
      "gen_ai.usage.input_tokens": 9,
    });
    expect(span.attributes["leantrace.final_answer"]).toBeUndefined();
  });

  it("records responses, whole and streamed", async () => {
    const reply: Reply = {
      api: "responses",
      toolCalls: [{ id: "call_9", name: "search_kb", arguments: { q: "refund" } }],
      usage: { input: 300, output: 40, cached: 100, reasoning: 25 },
    };
    const text: Reply = {
      api: "responses",
      content: "Refunds take 5 days.",
      usage: { input: 50, output: 8 },
    };
    const { wrapped, bare } = await clients([reply, text]);
    const whole = await wrapped.responses.create({ model: "o4-mini", input: "refund?" });
    expect(whole.output).toEqual(
      (await bare.responses.create({ model: "o4-mini", input: "refund?" })).output,
    );
    const params = { model: "o4-mini", input: "refund?", stream: true as const };
    const events = await all(await wrapped.responses.create(params));
    expect(events).toEqual(await all(await bare.responses.create(params)));
    const [first, second] = exporter.getFinishedSpans();
    expect(first?.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 300,
      "gen_ai.usage.output_tokens": 40,
      "gen_ai.usage.cache_read.input_tokens": 100,
      "gen_ai.usage.reasoning.output_tokens": 25,
      "leantrace.llm.tool_names": ["search_kb"],
    });
    expect(second?.attributes).toMatchObject({
      "gen_ai.usage.input_tokens": 50,
      "gen_ai.usage.output_tokens": 8,
    });
  });

  it("puts calls made in a workflow in its run, and marks the answer without tool calls final", async () => {
    const { fake } = await clients([TOOL_CALL, ANSWER]);
    const openai = wrapOpenAI(new OpenAI({ apiKey: "test", baseURL: fake.url }), {
      finalAnswerWithoutToolCalls: true,
    });
    await workflow("support", async (run) => {
      await openai.chat.completions.create({ model: "gpt-4o-mini", messages: USER, tools: TOOLS });
      await openai.chat.completions.create({ model: "gpt-4o-mini", messages: USER, tools: TOOLS });
      run.success();
    });
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === "invoke_workflow support");
    const calls = spans.filter((s) => s.name === "chat gpt-4o-mini");
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
      expect(call.attributes["gen_ai.workflow.name"]).toBe("support");
    }
    expect(calls.map((c) => c.attributes["leantrace.final_answer"])).toEqual([undefined, true]);
  });

  it("keeps the client's type and the rest of its members", async () => {
    const { fake } = await clients([]);
    const client = new OpenAI({ apiKey: "test", baseURL: fake.url });
    const wrapped: OpenAI = wrapOpenAI(client);
    expect(wrapped).toBeInstanceOf(OpenAI);
    expect(wrapped.baseURL).toBe(fake.url);
    expect(wrapped.chat).toBe(wrapped.chat);
    expect(wrapped.withOptions({ timeout: 1000 }).chat.completions.create).not.toBe(
      client.chat.completions.create,
    );
  });
});
