import { setImmediate as nextTurn } from "node:timers/promises";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { DropReporter, GuardedExporter, queueDropCounter } from "./export-guard.ts";

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

function reporter(intervalMillis = 50) {
  const lines: string[] = [];
  return { lines, reporter: new DropReporter((line) => lines.push(line), intervalMillis) };
}

describe("DropReporter", () => {
  it("says at once what the first drops were, then at most one line per interval", async () => {
    const { lines, reporter: drops } = reporter();
    drops.drop(120, "could not be exported to http://c/v1/traces (ECONNREFUSED)");
    drops.drop(3, "did not fit in the export queue (maxQueueSize 10)");
    await nextTurn();
    expect(lines).toEqual([
      "leantrace: 120 spans could not be exported to http://c/v1/traces (ECONNREFUSED), 3 spans did not fit in the export queue (maxQueueSize 10); dropped",
    ]);
    drops.drop(5, "could not be exported to http://c/v1/traces (ECONNREFUSED)");
    await nextTurn();
    expect(lines).toHaveLength(1);
    await sleep(80);
    drops.drop(1, "could not be exported to http://c/v1/traces (ECONNREFUSED)");
    await nextTurn();
    expect(lines[1]).toBe(
      "leantrace: 6 spans could not be exported to http://c/v1/traces (ECONNREFUSED); dropped",
    );
    expect(drops.dropped).toBe(129);
    drops.finish();
    expect(lines[2]).toBe("leantrace.sdk.dropped_spans=129");
  });

  it("tells a warning still due at shutdown, and nothing when nothing was dropped", () => {
    const { lines, reporter: drops } = reporter();
    drops.finish();
    expect(lines).toEqual([]);
    drops.drop(1, "did not fit in the export queue (maxQueueSize 10)");
    drops.finish();
    expect(lines).toEqual([
      "leantrace: 1 span did not fit in the export queue (maxQueueSize 10); dropped",
      "leantrace.sdk.dropped_spans=1",
    ]);
  });
});

class ScriptedExporter implements SpanExporter {
  callbacks: ((result: ExportResult) => void)[] = [];
  constructor(private readonly behaviour: "fail" | "throw" | "hold") {}
  export(_spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.behaviour === "throw") throw new Error("cannot serialise");
    if (this.behaviour === "fail") {
      const error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4318"), { code: "ECONNREFUSED" });
      resultCallback({ code: ExportResultCode.FAILED, error });
    } else this.callbacks.push(resultCallback);
  }
  async shutdown(): Promise<void> {}
}

const batch = (n: number) => Array.from({ length: n }) as ReadableSpan[];

describe("GuardedExporter", () => {
  it("counts a failed batch as dropped and tells the processor it is done", () => {
    const { reporter: drops } = reporter();
    const exporter = new GuardedExporter(
      new ScriptedExporter("fail"),
      "http://c/v1/traces",
      drops,
      undefined,
      4750,
    );
    const results: ExportResult[] = [];
    exporter.export(batch(7), (result) => results.push(result));
    expect(results).toEqual([{ code: ExportResultCode.SUCCESS }]);
    expect(drops.dropped).toBe(7);
  });

  it("survives an exporter that throws", () => {
    const { reporter: drops } = reporter();
    const exporter = new GuardedExporter(
      new ScriptedExporter("throw"),
      "./spans",
      drops,
      undefined,
      undefined,
    );
    const results: ExportResult[] = [];
    exporter.export(batch(2), (result) => results.push(result));
    expect(results).toHaveLength(1);
    expect(drops.dropped).toBe(2);
  });

  it("gives up on exports under way, once, and ignores their late answers", async () => {
    const { lines, reporter: drops } = reporter();
    const inner = new ScriptedExporter("hold");
    const exporter = new GuardedExporter(inner, "http://c/v1/traces", drops, undefined, 4750);
    const results: ExportResult[] = [];
    exporter.export(batch(3), (result) => results.push(result));
    exporter.export(batch(4), (result) => results.push(result));
    let settled = false;
    void exporter.settled().then(() => {
      settled = true;
    });
    exporter.abandon("no answer within 5000 ms");
    await nextTurn();
    expect(settled).toBe(true);
    expect(results).toHaveLength(2);
    for (const late of inner.callbacks) late({ code: ExportResultCode.SUCCESS });
    expect(results).toHaveLength(2);
    expect(drops.dropped).toBe(7);
    expect(lines).toEqual([
      "leantrace: 7 spans could not be exported to http://c/v1/traces (no answer within 5000 ms); dropped",
    ]);
  });
});

describe("queueDropCounter", () => {
  it("counts what the processor's metric says it dropped for a full queue, and nothing else", () => {
    let dropped = 0;
    const meter = queueDropCounter((count) => {
      dropped += count;
    }).getMeter("@opentelemetry/sdk-trace");
    const processed = meter.createCounter("otel.sdk.processor.span.processed");
    processed.add(1, { "error.type": "queue_full" });
    processed.add(512, {});
    processed.add(2, { "error.type": "queue_full" });
    meter.createUpDownCounter("otel.sdk.processor.span.queue.capacity").add(10);
    expect(dropped).toBe(3);
  });
});
