// The loop guard inside a run: it stops the step where a loop shows (the same rules as the
// analyzers: examples/guards/loop-guard-vs-analyzer.test.ts checks them against a collector),
// records it on the span, hands it to `onLoop` when one is given, and is off by default.
import {
  ATTR_LEANTRACE_GUARD_CALLS,
  ATTR_LEANTRACE_GUARD_LOOP,
  ATTR_LEANTRACE_GUARD_TOOL,
  EVENT_LEANTRACE_GUARD_LOOP,
} from "@leantrace/conventions/attributes";
import { SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { LoopDetectedError, type LoopInfo } from "./loop-guard.ts";
import { llm, tool, workflow } from "./wrappers.ts";

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
});
afterEach(() => exporter.reset());

/** An agent that reads the same file until told to stop, at most `turns` times. */
async function stubbornAgent(turns: number): Promise<{ reads: number; last: unknown }> {
  let reads = 0;
  let last: unknown;
  for (let turn = 0; turn < turns; turn++) {
    await llm({ model: "m" }, () => ({ choices: [{ message: { content: `turn ${turn}` } }] }));
    last = await tool("read_file", { path: "a.txt" }, () => {
      reads += 1;
      return "alpha";
    });
    if (typeof last === "string" && last.startsWith("STOP")) break;
  }
  return { reads, last };
}

describe("loopGuard", () => {
  it("stops the run at the first repeat and says so on its span", async () => {
    const error = await workflow("stubborn", () => stubbornAgent(10), { loopGuard: true }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LoopDetectedError);
    expect(error).toMatchObject({ pattern: "repeat", toolName: "read_file", calls: 2 });
    const spans = exporter.getFinishedSpans();
    const stopped = spans.filter((s) => s.attributes[ATTR_LEANTRACE_GUARD_LOOP] === "repeat");
    expect(stopped).toHaveLength(1);
    expect(stopped[0]?.spanContext().spanId).toBe((error as LoopDetectedError).spanId);
    expect(stopped[0]?.status.code).toBe(SpanStatusCode.ERROR);
    // The call did return: its result stays on the span, so the exported run shows the repeat.
    expect(stopped[0]?.attributes["leantrace.fp.tool_result"]).toBeDefined();
    expect(stopped[0]?.events.find((e) => e.name === EVENT_LEANTRACE_GUARD_LOOP)?.attributes).toMatchObject({
      [ATTR_LEANTRACE_GUARD_TOOL]: "read_file",
      [ATTR_LEANTRACE_GUARD_CALLS]: 2,
    });
    expect(spans.filter((s) => s.name === "execute_tool read_file")).toHaveLength(2);
  });

  it("hands the loop to onLoop, whose value the agent gets instead of the result", async () => {
    const seen: LoopInfo[] = [];
    const result = await workflow("stubborn", () => stubbornAgent(10), {
      loopGuard: {
        onLoop: (info) => {
          seen.push(info);
          return `STOP: you called ${info.toolName} ${info.calls} times with the same result`;
        },
      },
    });
    expect(result).toEqual({ reads: 2, last: "STOP: you called read_file 2 times with the same result" });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.spanIds).toHaveLength(2);
  });

  it("takes the analyzers' thresholds as options", async () => {
    const error = await workflow("stubborn", () => stubbornAgent(10), { loopGuard: { minRepeats: 4 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ pattern: "repeat", calls: 4 });
    await expect(workflow("bad", () => 1, { loopGuard: { minRepeats: 1 } })).rejects.toThrow(/minRepeats/);
  });

  it("is off by default", async () => {
    expect(await workflow("stubborn", () => stubbornAgent(5))).toEqual({ reads: 5, last: "alpha" });
    expect(exporter.getFinishedSpans().some((s) => ATTR_LEANTRACE_GUARD_LOOP in s.attributes)).toBe(false);
  });
});
