// A local stand-in for OpenAI's and Anthropic's HTTP APIs, enough for the real client libraries
// and their instrumentations: OpenAI chat completions (plain, and streamed with
// `stream_options.include_usage`), tool calls, embeddings and the Responses API (plain and
// streamed); Anthropic messages (plain, and streamed as server-sent events, with cache reads and
// writes and tool_use blocks). Each test scripts the answers in order (first a tool call, then a
// final answer, ...) with the usage the provider reports: that usage is the truth the stored
// token counts are compared with. A reply can also be an HTTP error. Every request is kept, so a
// test can check what the client sent (the tool result in the next prompt).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Usage {
  input: number;
  output: number;
  /** Part of `input` served from the provider's prompt cache. */
  cached?: number;
  /** Part of `output` spent on reasoning. */
  reasoning?: number;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** Usage as Anthropic reports it: `input` leaves out the cache reads and writes. */
export interface AnthropicUsage {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** One scripted answer, for the endpoint named by `api`. */
export type Reply =
  | { api: "chat"; model?: string; content?: string; toolCalls?: ToolCall[]; usage: Usage }
  | { api: "responses"; model?: string; content?: string; toolCalls?: ToolCall[]; usage: Usage }
  | { api: "embeddings"; model?: string; inputs?: number; usage: { input: number } }
  | { api: "messages"; model?: string; content?: string; toolCalls?: ToolCall[]; usage: AnthropicUsage }
  /** An HTTP error instead of an answer (a 4xx: the clients do not retry it). */
  | { api: "failure"; endpoint: Endpoint; status: number; message: string };

/** The endpoints the provider answers. */
export type Endpoint = "chat" | "responses" | "embeddings" | "messages";

export interface ReceivedRequest {
  path: string;
  body: Record<string, unknown>;
}

export interface FakeProvider {
  /** Base URL as OpenAI clients take it: `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** Base URL as Anthropic clients take it: `http://127.0.0.1:PORT`. */
  readonly anthropicUrl: string;
  readonly requests: ReceivedRequest[];
  /** Replies not used yet: a test that ends with some left sent fewer requests than scripted. */
  remaining(): number;
  /** Problems met (a request the script did not expect), empty when all went as scripted. */
  readonly problems: string[];
  close(): Promise<void>;
}

const API_OF: Record<string, Endpoint> = {
  "/v1/chat/completions": "chat",
  "/v1/responses": "responses",
  "/v1/embeddings": "embeddings",
  "/v1/messages": "messages",
};

const CREATED = 1_767_225_600; // 2026-01-01, a fixed time: the answers are the same every run.

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function chatUsage(usage: Usage) {
  return {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoning ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function chatMessage(reply: Extract<Reply, { api: "chat" }>) {
  const toolCalls = reply.toolCalls ?? [];
  return {
    role: "assistant",
    content: reply.content ?? null,
    refusal: null,
    ...(toolCalls.length > 0
      ? {
          tool_calls: toolCalls.map((call) => ({
            id: call.id,
            type: "function",
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          })),
        }
      : {}),
  };
}

function chatCompletion(reply: Extract<Reply, { api: "chat" }>, model: string, n: number) {
  return {
    id: `chatcmpl-${n}`,
    object: "chat.completion",
    created: CREATED,
    model,
    system_fingerprint: "fp_fake",
    choices: [
      {
        index: 0,
        message: chatMessage(reply),
        logprobs: null,
        finish_reason: (reply.toolCalls ?? []).length > 0 ? "tool_calls" : "stop",
      },
    ],
    usage: chatUsage(reply.usage),
  };
}

/** Server-sent events of a streamed chat completion, the usage last when it was asked for. */
function chatChunks(reply: Extract<Reply, { api: "chat" }>, model: string, n: number, includeUsage: boolean) {
  const base = { id: `chatcmpl-${n}`, object: "chat.completion.chunk", created: CREATED, model };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...base,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const chunks: unknown[] = [chunk({ role: "assistant", content: "", refusal: null })];
  const content = reply.content ?? "";
  // Two pieces, so that the client really assembles a stream.
  const middle = Math.ceil(content.length / 2);
  for (const piece of [content.slice(0, middle), content.slice(middle)]) {
    if (piece !== "") chunks.push(chunk({ content: piece }));
  }
  (reply.toolCalls ?? []).forEach((call, index) => {
    chunks.push(
      chunk({
        tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }],
      }),
    );
    chunks.push(chunk({ tool_calls: [{ index, function: { arguments: JSON.stringify(call.arguments) } }] }));
  });
  chunks.push(chunk({}, (reply.toolCalls ?? []).length > 0 ? "tool_calls" : "stop"));
  if (includeUsage) chunks.push({ ...base, choices: [], usage: chatUsage(reply.usage) });
  return chunks;
}

function responsesUsage(usage: Usage) {
  return {
    input_tokens: usage.input,
    input_tokens_details: { cached_tokens: usage.cached ?? 0 },
    output_tokens: usage.output,
    output_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
    total_tokens: usage.input + usage.output,
  };
}

function response(reply: Extract<Reply, { api: "responses" }>, model: string, n: number) {
  const output: unknown[] = [];
  if (reply.content !== undefined) {
    output.push({
      type: "message",
      id: `msg_${n}`,
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: reply.content, annotations: [], logprobs: [] }],
    });
  }
  for (const call of reply.toolCalls ?? []) {
    output.push({
      type: "function_call",
      id: `fc_${call.id}`,
      call_id: call.id,
      name: call.name,
      arguments: JSON.stringify(call.arguments),
      status: "completed",
    });
  }
  return {
    id: `resp_${n}`,
    object: "response",
    created_at: CREATED,
    status: "completed",
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: responsesUsage(reply.usage),
    user: null,
    metadata: {},
  };
}

/** Server-sent events of a streamed response: created, the text in two deltas, completed. */
function responseEvents(reply: Extract<Reply, { api: "responses" }>, model: string, n: number) {
  const done = response(reply, model, n);
  const created = { ...done, status: "in_progress", output: [], usage: null };
  const events: { type: string; [key: string]: unknown }[] = [
    { type: "response.created", response: created },
  ];
  const content = reply.content ?? "";
  const middle = Math.ceil(content.length / 2);
  for (const piece of [content.slice(0, middle), content.slice(middle)]) {
    if (piece !== "") {
      events.push({
        type: "response.output_text.delta",
        item_id: `msg_${n}`,
        output_index: 0,
        content_index: 0,
        delta: piece,
      });
    }
  }
  events.push({ type: "response.completed", response: done });
  return events.map((event, sequence_number) => ({ ...event, sequence_number }));
}

function anthropicUsage(usage: AnthropicUsage) {
  return {
    input_tokens: usage.input,
    cache_creation_input_tokens: usage.cacheWrite ?? 0,
    cache_read_input_tokens: usage.cacheRead ?? 0,
    output_tokens: usage.output,
    service_tier: "standard",
  };
}

function anthropicContent(reply: Extract<Reply, { api: "messages" }>) {
  const content: unknown[] = [];
  if (reply.content !== undefined) content.push({ type: "text", text: reply.content });
  for (const call of reply.toolCalls ?? []) {
    content.push({ type: "tool_use", id: call.id, name: call.name, input: call.arguments });
  }
  return content;
}

function anthropicMessage(reply: Extract<Reply, { api: "messages" }>, model: string, n: number) {
  return {
    id: `msg_${n}`,
    type: "message",
    role: "assistant",
    model,
    content: anthropicContent(reply),
    stop_reason: (reply.toolCalls ?? []).length > 0 ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: anthropicUsage(reply.usage),
  };
}

/**
 * A streamed message as Anthropic sends it: `message_start` with the input usage (and one output
 * token so far), each block as start, deltas and stop, then `message_delta` with the final output
 * count and `message_stop`.
 */
function anthropicEvents(reply: Extract<Reply, { api: "messages" }>, model: string, n: number) {
  const message = anthropicMessage(reply, model, n);
  const events: { type: string; [key: string]: unknown }[] = [
    {
      type: "message_start",
      message: { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } },
    },
  ];
  anthropicContent(reply).forEach((block, index) => {
    const b = block as { type: string; text?: string; id?: string; name?: string; input?: unknown };
    if (b.type === "text") {
      const text = b.text ?? "";
      const middle = Math.ceil(text.length / 2);
      events.push({ type: "content_block_start", index, content_block: { type: "text", text: "" } });
      for (const piece of [text.slice(0, middle), text.slice(middle)]) {
        if (piece !== "")
          events.push({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } });
      }
    } else {
      events.push({
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: b.id, name: b.name, input: {} },
      });
      const json = JSON.stringify(b.input);
      const middle = Math.ceil(json.length / 2);
      for (const piece of [json.slice(0, middle), json.slice(middle)]) {
        events.push({
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: piece },
        });
      }
    }
    events.push({ type: "content_block_stop", index });
  });
  events.push({
    type: "message_delta",
    delta: { stop_reason: message.stop_reason, stop_sequence: null },
    usage: { output_tokens: reply.usage.output },
  });
  events.push({ type: "message_stop" });
  return events;
}

function embeddings(reply: Extract<Reply, { api: "embeddings" }>, model: string, inputs: number) {
  return {
    object: "list",
    model,
    data: Array.from({ length: inputs }, (_, index) => ({
      object: "embedding",
      index,
      embedding: [0.1 * (index + 1), 0.2, 0.3, 0.4],
    })),
    usage: { prompt_tokens: reply.usage.input, total_tokens: reply.usage.input },
  };
}

function send(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * Server-sent events: OpenAI's chat chunks end with `data: [DONE]`; the Responses API and
 * Anthropic name each event (`event: <type>`) and send no end marker.
 */
function sendEvents(res: ServerResponse, events: readonly unknown[], done: boolean, named = false) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const event of events) {
    const name = named ? `event: ${(event as { type: string }).type}\n` : "";
    res.write(`${name}data: ${JSON.stringify(event)}\n\n`);
  }
  res.end(done ? "data: [DONE]\n\n" : "");
}

export async function startFakeProvider(script: readonly Reply[]): Promise<FakeProvider> {
  const replies = [...script];
  const requests: ReceivedRequest[] = [];
  const problems: string[] = [];
  let served = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? "").split("?")[0] ?? "";
      const body = req.method === "POST" ? await readBody(req) : {};
      requests.push({ path, body });
      const api = API_OF[path];
      const reply = replies[0];
      const expected = reply?.api === "failure" ? reply.endpoint : reply?.api;
      if (api === undefined || reply === undefined || expected !== api) {
        const problem = `unexpected ${req.method} ${path}: the script expected ${expected ?? "nothing more"}`;
        problems.push(problem);
        send(res, 500, { error: { message: `fake provider: ${problem}`, type: "server_error" } });
        return;
      }
      replies.shift();
      served++;
      if (reply.api === "failure") {
        send(res, reply.status, {
          type: "error",
          error: { message: reply.message, type: "invalid_request_error" },
        });
        return;
      }
      const model = reply.model ?? (typeof body.model === "string" ? body.model : "gpt-4o-mini");
      if (reply.api === "chat") {
        if (body.stream === true) {
          const options = body.stream_options as { include_usage?: boolean } | undefined;
          sendEvents(res, chatChunks(reply, model, served, options?.include_usage === true), true);
          return;
        }
        send(res, 200, chatCompletion(reply, model, served));
      } else if (reply.api === "responses") {
        if (body.stream === true) sendEvents(res, responseEvents(reply, model, served), false, true);
        else send(res, 200, response(reply, model, served));
      } else if (reply.api === "messages") {
        if (body.stream === true) sendEvents(res, anthropicEvents(reply, model, served), false, true);
        else send(res, 200, anthropicMessage(reply, model, served));
      } else {
        const input = body.input;
        const inputs = reply.inputs ?? (Array.isArray(input) ? input.length : 1);
        send(res, 200, embeddings(reply, model, inputs));
      }
    })().catch((error: unknown) => {
      problems.push(String(error));
      if (!res.headersSent) send(res, 500, { error: { message: String(error) } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    anthropicUrl: `http://127.0.0.1:${port}`,
    requests,
    problems,
    remaining: () => replies.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
