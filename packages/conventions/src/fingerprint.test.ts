import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  contentFingerprint,
  documentsFingerprint,
  messageFingerprint,
  normalizeQuery,
  queryFingerprint,
  toolArgumentsFingerprint,
} from "./fingerprint.ts";

describe("fingerprints", () => {
  it("serialises objects with sorted keys and folded white space", () => {
    expect(canonicalJson({ b: 1, a: { d: "x  y ", c: [2, null] } })).toBe(
      '{"a":{"c":[2,null],"d":"x y"},"b":1}',
    );
  });

  it("gives tool arguments the same fingerprint as an object or as a JSON string", () => {
    const asObject = toolArgumentsFingerprint({ path: "src/a.ts", lines: [1, 20] });
    expect(toolArgumentsFingerprint('{"lines":[1,20],"path":"src/a.ts"}')).toBe(asObject);
    expect(toolArgumentsFingerprint({ path: "src/b.ts", lines: [1, 20] })).not.toBe(asObject);
  });

  it("normalizes queries by case, spacing and trailing punctuation", () => {
    expect(normalizeQuery("  Refund   POLICY? ")).toBe("refund policy");
    expect(queryFingerprint("refund policy")).toBe(queryFingerprint("Refund policy?"));
    expect(queryFingerprint("refund policy")).not.toBe(queryFingerprint("return policy"));
  });

  it("ignores the order and repeats of document ids", () => {
    expect(documentsFingerprint(["b", "a", "a"])).toBe(documentsFingerprint(["a", "b"]));
    expect(documentsFingerprint(["a"])).not.toBe(documentsFingerprint(["a", "b"]));
  });

  it("fingerprints a {role, content} message by its content, as before", () => {
    expect(messageFingerprint({ role: "user", content: "Where is  my order?" })).toBe(
      contentFingerprint("Where is my order?"),
    );
    expect(messageFingerprint({ role: "user", content: "Where is my order?" })).toBe("6951ac186c3c6207");
    expect(messageFingerprint({ role: "tool", content: '{"b":1,"a":2}' })).toBe(
      contentFingerprint('{"b":1,"a":2}'),
    );
    expect(messageFingerprint("plain")).toBe(contentFingerprint("plain"));
  });

  it("fingerprints a tool result carried in parts as the result itself", () => {
    const result = { orderId: "A-17", status: "shipped", carrier: "DHL" };
    // What the collector computes for the tool span's result (the JSON the tool returned).
    const resultFp = contentFingerprint(result);
    // Traceloop: the response as the JSON text the application sent back.
    const asText = {
      role: "tool",
      parts: [{ type: "tool_call_response", id: "call_1", response: JSON.stringify(result) }],
    };
    // Vercel AI SDK 7: the response as the value; LangChain through Traceloop: a text part.
    const asValue = { role: "tool", parts: [{ type: "tool_call_response", id: "call_1", response: result }] };
    const asTextPart = { role: "tool", parts: [{ type: "text", content: JSON.stringify(result) }] };
    expect(messageFingerprint(asText)).toBe(resultFp);
    expect(messageFingerprint(asValue)).toBe(resultFp);
    expect(messageFingerprint(asTextPart)).toBe(resultFp);
    expect(
      messageFingerprint({
        role: "tool",
        parts: [{ type: "tool_call_response", response: "no such order" }],
      }),
    ).toBe(contentFingerprint("no such order"));
  });

  it("fingerprints a text part like the same content, and tool calls by name and arguments", () => {
    expect(messageFingerprint({ role: "user", parts: [{ type: "text", content: "Hi  there" }] })).toBe(
      messageFingerprint({ role: "user", content: "Hi there" }),
    );
    const call = (args: unknown) => ({
      role: "assistant",
      parts: [{ type: "tool_call", id: "call_1", name: "get_order", arguments: args }],
    });
    expect(messageFingerprint(call({ orderId: "A-17" }))).toBe(
      messageFingerprint(call('{"orderId":"A-17"}')),
    );
    expect(messageFingerprint(call({ orderId: "A-17" }))).not.toBe(
      messageFingerprint(call({ orderId: "A-18" })),
    );
    const twoParts = {
      role: "assistant",
      parts: [{ type: "text", content: "Let me look." }, call({}).parts[0]],
    };
    expect(messageFingerprint(twoParts)).not.toBe(
      messageFingerprint({ role: "assistant", content: "Let me look." }),
    );
  });
});

describe("an Anthropic message of tool_result blocks", () => {
  it("fingerprints as the results it carries, as an OpenAI tool message does", () => {
    const result = '{"id":42,"status":"shipped"}';
    const anthropic = {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "t1", content: result }],
    };
    expect(messageFingerprint(anthropic)).toBe(messageFingerprint({ role: "tool", content: result }));
    const asBlocks = {
      role: "user",
      content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: result }] }],
    };
    expect(messageFingerprint(asBlocks)).toBe(contentFingerprint(result));
    // Content that is not only tool results stays as it is.
    const mixed = { role: "user", content: [{ type: "text", text: "and" }, anthropic.content[0]] };
    expect(messageFingerprint(mixed)).toBe(contentFingerprint(mixed.content));
  });
});
