// A local stand-in for OpenAI's HTTP API, enough for the real client libraries and their
// instrumentations: chat completions (plain, and streamed with `stream_options.include_usage`),
// tool calls, embeddings and the Responses API. Each test scripts the answers in order (first a
// tool call, then a final answer, ...) with the usage the provider reports: that usage is the
// truth the stored token counts are compared with. Every request is kept, so a test can check
// what the client sent (the tool result in the next prompt).
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

/** One scripted answer, for the endpoint named by `api`. */
export type Reply =
  | { api: "chat"; model?: string; content?: string; toolCalls?: ToolCall[]; usage: Usage }
  | { api: "responses"; model?: string; content?: string; toolCalls?: ToolCall[]; usage: Usage }
  | { api: "embeddings"; model?: string; inputs?: number; usage: { input: number } };

export interface ReceivedRequest {
  path: string;
  body: Record<string, unknown>;
}

export interface FakeProvider {
  /** Base URL as OpenAI clients take it: `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Replies not used yet: a test that ends with some left sent fewer requests than scripted. */
  remaining(): number;
  /** Problems met (a request the script did not expect), empty when all went as scripted. */
  readonly problems: string[];
  close(): Promise<void>;
}

const API_OF: Record<string, Reply["api"]> = {
  "/v1/chat/completions": "chat",
  "/v1/responses": "responses",
  "/v1/embeddings": "embeddings",
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
      if (api === undefined || reply === undefined || reply.api !== api) {
        const problem = `unexpected ${req.method} ${path}: the script expected ${reply ? reply.api : "nothing more"}`;
        problems.push(problem);
        send(res, 500, { error: { message: `fake provider: ${problem}`, type: "server_error" } });
        return;
      }
      replies.shift();
      served++;
      const model = reply.model ?? (typeof body.model === "string" ? body.model : "gpt-4o-mini");
      if (reply.api === "chat") {
        if (body.stream === true) {
          const options = body.stream_options as { include_usage?: boolean } | undefined;
          res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          for (const chunk of chatChunks(reply, model, served, options?.include_usage === true)) {
            res.write(`data: ${JSON.stringify(chunk)}\n\n`);
          }
          res.end("data: [DONE]\n\n");
          return;
        }
        send(res, 200, chatCompletion(reply, model, served));
      } else if (reply.api === "responses") {
        if (body.stream === true) {
          problems.push("streamed responses are not scripted");
          send(res, 500, { error: { message: "fake provider: streamed responses are not scripted" } });
          return;
        }
        send(res, 200, response(reply, model, served));
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
