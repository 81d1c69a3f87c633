// The messages an LLM call was sent, whichever way an instrumentation recorded them, as the
// per-message fingerprints the analyzers compare with tool results (`unused_result`) and with
// earlier outputs (carried tokens): the GenAI conventions' `gen_ai.input.messages` (with
// `content`, or with `parts`), the Vercel AI SDK's `ai.prompt.messages`, OpenInference's
// flattened `llm.input_messages.<i>.message.*`. Tool results go through the same unwrapping on
// both sides, so that a result and the later message that carries it get one fingerprint.
import { messageFingerprint, parseJsonText } from "@leantrace/conventions";
import * as A from "@leantrace/conventions/attributes";
import type { AttributeMap } from "@leantrace/otlp";
import { structuredValue } from "./attribute-text.ts";
import { first, LLM_INPUT_SOURCES, VERCEL_PROMPT_SOURCES } from "./dialects.ts";

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;

/**
 * A LangChain message as LangChain serializes it (`{lc: 1, type: "constructor", id: [...,
 * "ToolMessage"], kwargs: {content, name, ...}}`), alone or under `output` (OpenInference).
 */
export function langChainToolMessage(value: unknown): { content: unknown; name: string } | undefined {
  const message = isObject(value) && !("lc" in value) && isObject(value.output) ? value.output : value;
  if (!isObject(message) || message.lc !== 1 || !Array.isArray(message.id)) return undefined;
  if (message.id[message.id.length - 1] !== "ToolMessage" || !isObject(message.kwargs)) return undefined;
  const { content, name } = message.kwargs;
  return {
    content: typeof content === "string" ? (parseJsonText(content) ?? content) : content,
    name: String(name ?? ""),
  };
}

/** A tool's result as the conversation carries it: LangChain's ToolMessage is its content. */
export function toolResultValue(value: unknown): unknown {
  return langChainToolMessage(value)?.content ?? value;
}

/** A Vercel AI SDK content part (`text`, `tool-call`, `tool-result`, ...) as a GenAI part. */
function vercelPart(part: unknown): unknown {
  if (!isObject(part)) return part;
  switch (part.type) {
    case "text":
    case "reasoning":
      return { type: part.type, content: part.text };
    case "tool-call":
      return {
        type: "tool_call",
        id: part.toolCallId,
        name: part.toolName,
        arguments: part.input ?? part.args,
      };
    case "tool-result": {
      // AI SDK 5+: `output: {type: "json" | "text" | "error-text" | ..., value}`; 4: `result`.
      const output = part.output;
      const response = isObject(output) && "value" in output ? output.value : (output ?? part.result);
      return { type: "tool_call_response", id: part.toolCallId, response };
    }
    default:
      return part;
  }
}

function vercelMessages(value: unknown): unknown[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((message) => {
    if (!isObject(message)) return message;
    const content = message.content;
    const parts = Array.isArray(content) ? content.map(vercelPart) : [{ type: "text", content }];
    return { role: message.role, parts };
  });
}

/** OpenInference's `llm.input_messages.<i>.message.<field>` attributes as GenAI messages. */
function openInferenceMessages(attributes: AttributeMap): unknown[] | undefined {
  const prefix = A.ATTR_OI_LLM_INPUT_MESSAGES_PREFIX;
  const fields = new Map<number, Map<string, unknown>>();
  for (const [key, value] of Object.entries(attributes)) {
    if (!key.startsWith(prefix)) continue;
    const dot = key.indexOf(".", prefix.length);
    const index = Number(key.slice(prefix.length, dot));
    if (dot < 0 || !Number.isInteger(index) || !key.startsWith(".message.", dot)) continue;
    const message = fields.get(index) ?? new Map<string, unknown>();
    fields.set(index, message);
    message.set(key.slice(dot + ".message.".length), value);
  }
  if (fields.size === 0) return undefined;
  return [...fields.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, f]) => {
      const role = f.get("role");
      const content = f.get("content") ?? "";
      if (role === "tool") return { role, parts: [{ type: "tool_call_response", response: content }] };
      const parts: unknown[] = content === "" ? [] : [{ type: "text", content }];
      for (let j = 0; f.has(`tool_calls.${j}.tool_call.function.name`); j++) {
        parts.push({
          type: "tool_call",
          name: f.get(`tool_calls.${j}.tool_call.function.name`),
          arguments: f.get(`tool_calls.${j}.tool_call.function.arguments`),
        });
      }
      return { role, parts };
    });
}

/**
 * One fingerprint per message; a message that carries several tool results (one user message
 * with every result of a parallel call, as Anthropic's API takes them) one per part, so that
 * each result can be found.
 */
function fingerprints(messages: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const message of messages) {
    const parts = isObject(message) ? message.parts : undefined;
    if (
      Array.isArray(parts) &&
      parts.length > 1 &&
      parts.some((p) => isObject(p) && p.type === "tool_call_response")
    ) {
      for (const part of parts) out.push(messageFingerprint({ role: (message as Json).role, parts: [part] }));
    } else {
      out.push(messageFingerprint(langChainContent(message)));
    }
  }
  return out;
}

/** A GenAI `{role, content}` message whose content is a tool result LangChain serialized. */
function langChainContent(message: unknown): unknown {
  if (!isObject(message) || !("content" in message)) return message;
  const unwrapped = langChainToolMessage(message.content);
  return unwrapped === undefined ? message : { ...message, content: unwrapped.content };
}

/** Per-message input fingerprints: the SDK's, else computed from the messages recorded. */
export function inputPartFingerprints(attributes: AttributeMap): string[] {
  const own = attributes[A.ATTR_LEANTRACE_FP_INPUT_PARTS];
  if (Array.isArray(own)) return own.filter((p): p is string => typeof p === "string");
  const messages = structuredValue(first(attributes, LLM_INPUT_SOURCES));
  if (Array.isArray(messages)) return fingerprints(messages);
  const vercel = vercelMessages(structuredValue(first(attributes, VERCEL_PROMPT_SOURCES)));
  if (vercel !== undefined) return fingerprints(vercel);
  const openInference = openInferenceMessages(attributes);
  return openInference === undefined ? [] : fingerprints(openInference);
}
