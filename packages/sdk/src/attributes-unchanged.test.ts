// The analyzers read what the SDK writes: making the wrappers cheaper must not change a single
// attribute. fixtures/attributes-before.json holds what the SDK wrote for fixtures/scenarios.ts
// before its hot path was reworked (fingerprint caches, fewer intermediate objects); every span
// must still carry exactly those attributes, with content capture off, on, and redacted.
import { readFileSync } from "node:fs";
import type { AttributeValue } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runScenarios } from "./fixtures/scenarios.ts";
import { configure, type SdkSettings } from "./settings.ts";

const GOLDEN = new URL("./fixtures/attributes-before.json", import.meta.url);

interface RecordedSpan {
  name: string;
  parent: string | null;
  attributes: Record<string, AttributeValue | undefined>;
  status: { code: number; message?: string };
  events: { name: string; attributes: Record<string, AttributeValue | undefined> }[];
}

const SETTINGS: Record<string, Partial<SdkSettings>> = {
  "content off": { captureContent: false },
  "content on": { captureContent: true },
  "content on, redacted": {
    captureContent: true,
    redact: (text, attribute) => `${attribute}:${text.length}:${text.replace(/\d/g, "#")}`,
  },
};

const exporter = new InMemorySpanExporter();

function record(spans: readonly ReadableSpan[]): RecordedSpan[] {
  const names = new Map(spans.map((s) => [s.spanContext().spanId, s.name]));
  return spans.map((span) => ({
    name: span.name,
    parent: span.parentSpanContext === undefined ? null : (names.get(span.parentSpanContext.spanId) ?? "?"),
    attributes: { ...span.attributes },
    status: { ...span.status },
    events: span.events.map((event) => {
      // A stack trace names lines of this repository's files: not an attribute the SDK chose.
      const { "exception.stacktrace": _stack, ...attributes } = event.attributes ?? {};
      return { name: event.name, attributes };
    }),
  }));
}

describe("the attributes the SDK writes", () => {
  beforeAll(() => {
    new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
  });
  afterEach(() => {
    exporter.reset();
    configure({ captureContent: false, redact: undefined });
  });

  it("are what they were before the hot path was reworked", async () => {
    const recorded: Record<string, RecordedSpan[]> = {};
    for (const [label, settings] of Object.entries(SETTINGS)) {
      configure({ captureContent: false, redact: undefined, ...settings });
      // Twice in one process: the second pass runs on warm caches.
      for (const pass of ["cold", "warm"]) {
        exporter.reset();
        await runScenarios();
        recorded[`${label} (${pass})`] = record(exporter.getFinishedSpans());
      }
    }
    const golden = JSON.parse(readFileSync(GOLDEN, "utf8")) as Record<string, RecordedSpan[]>;
    expect(Object.keys(recorded)).toEqual(Object.keys(golden));
    for (const [label, spans] of Object.entries(recorded)) {
      const before = golden[label] ?? [];
      expect(spans.length, label).toBe(before.length);
      spans.forEach((span, i) => {
        expect(span, `${label}, span ${i} (${span.name})`).toEqual(before[i]);
      });
    }
  });
});
