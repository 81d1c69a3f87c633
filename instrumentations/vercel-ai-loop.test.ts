// A loop through the real Vercel AI SDK: the same tool call four times, then the answer. The
// waste is the three LLM calls that chose a repeat, never the final answer. Whether a fast tool
// and the next call land in the same millisecond depends on the machine, so this test does not
// always exercise that ordering; pass.test.ts pins it with spans built to share a millisecond.

import type { Reply, Usage } from "@leantrace/testing/fake-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeSpans, type Harness, type Stored, startHarness, tokenSpans } from "./harness.ts";
import { ANSWER } from "./scripts.ts";

const CALL = { id: "call_1", name: "get_order", arguments: { orderId: "A-17" } };
/** Each call reads the conversation so far: 100 tokens more per round. */
const ROUND: Usage[] = [0, 1, 2, 3, 4].map((i) => ({ input: 200 + 100 * i, output: 25 }));
const SCRIPT: Reply[] = ROUND.map((usage, i) =>
  i < 4
    ? { api: "chat", toolCalls: [{ ...CALL, id: `call_${i + 1}` }], usage }
    : { api: "chat", content: ANSWER, usage },
);
const tokens = (u: Usage | undefined) => (u === undefined ? 0 : u.input + u.output);

let harness: Harness;
let stored: Stored;

beforeAll(async () => {
  harness = await startHarness();
  await harness.scenario("vercel-ai-loop", SCRIPT);
  stored = await harness.collect();
}, 90_000);

afterAll(() => harness.close());

describe("a loop through the Vercel AI SDK", () => {
  it("stores the five calls and four tool calls in the order they ran", () => {
    const llms = tokenSpans(stored.spans);
    expect(
      llms.map((s) => s.input_tokens),
      describeSpans(stored.spans),
    ).toEqual(ROUND.map((u) => u.input));
    expect(stored.spans.filter((s) => s.kind === "tool").map((s) => s.tool_name)).toEqual(
      Array(4).fill("get_order"),
    );
  });

  it("charges the three calls that chose a repeat, not the final answer", () => {
    const loops = stored.findings.filter((f) => f.kind === "loop");
    expect(
      stored.findings.map((f) => `${f.kind}/${f.pattern} ${f.wastedTokens}: ${f.explanation}`),
    ).toHaveLength(loops.length);
    const wasted = loops.reduce((sum, f) => sum + f.wastedTokens, 0);
    // Calls 2, 3 and 4 chose the repeats: 325 + 425 + 525.
    expect(wasted).toBe(tokens(ROUND[1]) + tokens(ROUND[2]) + tokens(ROUND[3]));
  });
});
