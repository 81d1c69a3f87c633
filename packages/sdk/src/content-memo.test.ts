// The memo must give exactly what the conventions functions (and JSON.stringify) give, however
// the agent builds, re-sends and edits its messages: thousands of random conversations, each
// fingerprinted, edited in place at a random depth, and fingerprinted again.
import {
  contentFingerprint,
  messageFingerprint,
  queryFingerprint,
  toolArgumentsFingerprint,
} from "@leantrace/conventions";
import { describe, expect, it } from "vitest";
import {
  argumentsFingerprint,
  inputFingerprints,
  rememberedQueryFingerprint,
  resultFingerprint,
} from "./content-memo.ts";

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = [
  "Where is my order?",
  "  spaced   out\ttext\n\nwith lines  ",
  "Café ﬁles ｆｕｌｌ width",
  "",
  '{"a": 1}',
  "line of output\n".repeat(40),
];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 6 : 10));
  switch (pick) {
    case 0:
      return TEXTS[Math.floor(next() * TEXTS.length)];
    case 1:
      return [0, -0, 1.5, 42, Number.NaN, Number.POSITIVE_INFINITY][Math.floor(next() * 6)];
    case 2:
      return next() < 0.5;
    case 3:
      return null;
    case 4:
      return undefined;
    case 5:
      return `text ${Math.floor(next() * 5)}`;
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    case 7:
      return new Date(1_700_000_000_000 + Math.floor(next() * 3));
    default: {
      const record: Record<string, unknown> = {};
      for (const key of ["type", "text", "b", "a", "function"].slice(0, 1 + Math.floor(next() * 5))) {
        record[key] = randomValue(next, depth + 1);
      }
      return record;
    }
  }
}

function messageOf(next: () => number): unknown {
  const shape = next();
  if (shape < 0.6) return { role: next() < 0.5 ? "user" : "assistant", content: randomValue(next, 1) };
  if (shape < 0.7) return TEXTS[Math.floor(next() * TEXTS.length)];
  if (shape < 0.75) return Object.create({ content: "inherited" }) as object;
  if (shape < 0.8) {
    const hidden = { role: "tool" };
    Object.defineProperty(hidden, "content", { value: "hidden", enumerable: false });
    return hidden;
  }
  if (shape < 0.85) return 7;
  return { role: "assistant", content: null, tool_calls: [randomValue(next, 1)] };
}

/** Changes something somewhere inside `value`, in place; false when nothing could change. */
function edit(value: unknown, next: () => number): boolean {
  if (typeof value !== "object" || value === null || value instanceof Date) return false;
  if (Array.isArray(value)) {
    const i = Math.floor(next() * (value.length + 1));
    if (i < value.length && edit(value[i], next)) return true;
    if (next() < 0.5 || value.length === 0) value.push(randomValue(next, 2));
    else value[Math.floor(next() * value.length)] = randomValue(next, 2);
    return true;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  const key = keys[Math.floor(next() * keys.length)];
  if (key !== undefined && next() < 0.6 && edit(record[key], next)) return true;
  const roll = next();
  if (key !== undefined && roll < 0.3) delete record[key];
  else if (key !== undefined && roll < 0.5) {
    // The same keys and values in another order: JSON changes, the canonical form does not.
    const moved = record[key];
    delete record[key];
    record[key] = moved;
  } else if (key !== undefined && roll < 0.8) record[key] = randomValue(next, 2);
  else record[`k${Math.floor(next() * 3)}`] = randomValue(next, 2);
  return true;
}

function expected(input: unknown) {
  return {
    input: contentFingerprint(input),
    parts: Array.isArray(input) ? input.map((message: unknown) => messageFingerprint(message)) : undefined,
    text: typeof input === "string" ? input : (JSON.stringify(input) ?? String(input)),
  };
}

function actual(input: unknown) {
  const { input: fingerprint, parts, text } = inputFingerprints(input, true);
  // Without the text, the fingerprints are the same.
  const withoutText = inputFingerprints(input);
  expect(withoutText).toEqual({ input: fingerprint, parts, text: undefined });
  return { input: fingerprint, parts, text };
}

describe("the content memo", () => {
  it("fingerprints GenAI messages of parts as the conventions do, and again when a part is edited", () => {
    const question = { role: "user", parts: [{ type: "text", content: "where is my order?" }] };
    const call = {
      role: "assistant",
      parts: [{ type: "tool_call", name: "find_order", arguments: { id: 7 } }],
    };
    const input = [question, call];
    expect(actual(input)).toEqual(expected(input));
    expect(actual(input)).toEqual(expected(input));
    (question.parts[0] as { content: string }).content = "where is my parcel?";
    expect(actual(input)).toEqual(expected(input));
    expect(actual(input).parts?.[0]).toBe(
      messageFingerprint({ parts: [{ type: "text", content: "where is my parcel?" }] }),
    );
  });

  it("gives what the conventions functions give, for conversations re-sent and edited in place", () => {
    for (let seed = 1; seed <= 1500; seed++) {
      const next = random(seed);
      const conversation = Array.from({ length: 1 + Math.floor(next() * 6) }, () => messageOf(next));
      const sent = [conversation, [...conversation], conversation.slice(1)];
      for (let round = 0; round < 4; round++) {
        for (const input of sent)
          expect(actual(input), `seed ${seed}, round ${round}`).toEqual(expected(input));
        // A conversation grows, and one of its messages (or something deep in one) is edited.
        conversation.push(messageOf(next));
        edit(conversation[Math.floor(next() * conversation.length)], next);
        sent[1] = [...conversation];
      }
    }
  });

  it("gives what the conventions functions give for single values", () => {
    const next = random(7);
    for (let i = 0; i < 500; i++) {
      const value = randomValue(next, 0);
      expect(actual(value)).toEqual(expected(value));
      expect(resultFingerprint(value)).toBe(contentFingerprint(value));
      const args = next() < 0.5 ? JSON.stringify(value) : value;
      if (args !== undefined) expect(argumentsFingerprint(args)).toBe(toolArgumentsFingerprint(args));
    }
    for (const query of ["Refund policy?", "refund   POLICY", '["b", "a"]', "x".repeat(20_000)]) {
      expect(rememberedQueryFingerprint(query)).toBe(queryFingerprint(query));
      expect(rememberedQueryFingerprint(query)).toBe(queryFingerprint(query));
    }
    expect(rememberedQueryFingerprint(["b", "a", "b"])).toBe(queryFingerprint(["b", "a", "b"]));
  });

  it("follows a message whose text is replaced by equal text, or whose content is a class instance", () => {
    const message = { role: "user", content: "same words" };
    const input = [message];
    const before = actual(input);
    message.content = ["same", "words"].join(" ");
    expect(actual(input)).toEqual(before);
    class Part {
      constructor(public text: string) {}
      toJSON() {
        return { kind: "part", text: this.text.toUpperCase() };
      }
    }
    const withPart = [{ role: "user", content: [new Part("hi")] }];
    expect(actual(withPart)).toEqual(expected(withPart));
    (withPart[0]?.content[0] as Part).text = "bye";
    expect(actual(withPart)).toEqual(expected(withPart));
    // A list that decides its own JSON, from something its snapshot cannot see.
    let label = "first";
    const parts = Object.assign([{ type: "text", text: "a" }], { toJSON: () => label });
    const withList = [{ role: "user", content: parts }];
    expect(actual(withList)).toEqual(expected(withList));
    label = "second";
    expect(actual(withList)).toEqual(expected(withList));
    // The same keys and values, but JSON.stringify now obeys a toJSON the snapshot cannot see.
    const nested: { role: string; content: unknown[] } = { role: "user", content: [{}, [1]] };
    const changing = [nested];
    expect(actual(changing)).toEqual(expected(changing));
    nested.content[0] = new Date(0);
    expect(actual(changing)).toEqual(expected(changing));
    Object.assign(nested.content[1] as unknown[], { toJSON: () => "one" });
    expect(actual(changing)).toEqual(expected(changing));
  });

  it("follows a key renamed, or keys reordered, with the values left alone", () => {
    const message: Record<string, unknown> = { role: "user", a: "x", b: "x" };
    const input = [message];
    expect(actual(input)).toEqual(expected(input));
    delete message.a;
    message.c = "x";
    expect(actual(input)).toEqual(expected(input));
    delete message.role;
    message.role = "user";
    expect(actual(input)).toEqual(expected(input));
  });
});
