// The collector started for real, fed by OpenTelemetry's own OTLP exporters over HTTP:
// JSON and protobuf, gzip on and off. Rows are read back from the embedded ClickHouse after a
// graceful stop, so this also shows that stopping writes everything it acknowledged.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "@leantrace/storage";
import { ROOT_CONTEXT, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveCollectorConfig } from "./config.ts";
import { type RunningCollector, startCollector } from "./server.ts";

let dir: string;
let collector: RunningCollector;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-server-test-"));
  collector = await startCollector(
    resolveCollectorConfig({ port: 0, storage: { dataDir: join(dir, "data") }, wal: join(dir, "wal") }),
  );
});

afterAll(async () => {
  await collector.stop();
  await rm(dir, { recursive: true, force: true });
});

const VARIANTS = [
  { name: "json", gzip: false },
  { name: "json", gzip: true },
  { name: "protobuf", gzip: false },
  { name: "protobuf", gzip: true },
] as const;

function exporterFor(variant: (typeof VARIANTS)[number]): SpanExporter {
  const config = {
    url: `${collector.url}/v1/traces`,
    ...(variant.gzip ? { compression: "gzip" as never } : {}),
  };
  return variant.name === "json" ? new JsonExporter(config) : new ProtoExporter(config);
}

/** One run per variant: a workflow with two LLM calls and a failing tool call. */
async function sendRun(variant: (typeof VARIANTS)[number], index: number): Promise<void> {
  const workflowName = `e2e-${variant.name}-${variant.gzip ? "gzip" : "plain"}`;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "e2e", "service.version": "3.1.4" }),
    spanProcessors: [new SimpleSpanProcessor(exporterFor(variant))],
  });
  const tracer = provider.getTracer("e2e");
  const root = tracer.startSpan(`invoke_workflow ${workflowName}`, {
    attributes: {
      "gen_ai.operation.name": "invoke_workflow",
      "gen_ai.workflow.name": workflowName,
      "leantrace.outcome": index % 2 === 0 ? "success" : "failure",
      "leantrace.case.id": `case-${index}`,
    },
  });
  const parent = trace.setSpan(ROOT_CONTEXT, root);
  for (const [input, output] of [
    [1200, 80],
    [1500 + index, 120],
  ]) {
    tracer
      .startSpan(
        "chat claude-sonnet-4-5",
        {
          attributes: {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "claude-sonnet-4-5",
            "gen_ai.provider.name": "anthropic",
            "gen_ai.usage.input_tokens": input as number,
            "gen_ai.usage.output_tokens": output as number,
            "gen_ai.usage.cache_read.input_tokens": 1000,
          },
        },
        parent,
      )
      .end();
  }
  const toolSpan = tracer.startSpan(
    "execute_tool bash",
    { attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "bash" } },
    parent,
  );
  toolSpan.setStatus({ code: SpanStatusCode.ERROR, message: "exit 1" });
  toolSpan.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
}

describe("collector fed by the OpenTelemetry OTLP exporters", () => {
  it("stores every span, row by row, from JSON and protobuf, gzip on and off", async () => {
    for (const [i, variant] of VARIANTS.entries()) await sendRun(variant, i);

    const report = (await (await fetch(`${collector.url}/api/v1/report`)).json()) as {
      workflows: { workflow: string }[];
    };
    expect(report.workflows.map((w: { workflow: string }) => w.workflow)).toEqual([
      "e2e-json-gzip",
      "e2e-json-plain",
      "e2e-protobuf-gzip",
      "e2e-protobuf-plain",
    ]);

    await collector.stop();
    const store = await openStore({ dataDir: join(dir, "data") });
    try {
      const rows = await store.select<{
        workflow: string;
        kind: string;
        model: string;
        provider: string;
        tokens: number;
        cache_read: number;
        errors: number;
        outcome: string;
        case_id: string;
        service_version: string;
        spans: number;
      }>(
        `SELECT any(w.workflow) AS workflow, kind, any(model) AS model, any(provider) AS provider,
                sum(total_tokens) AS tokens, sum(cache_read_input_tokens) AS cache_read,
                countIf(status_code = 'error') AS errors, max(outcome) AS outcome, max(case_id) AS case_id,
                any(service_version) AS service_version, count() AS spans
         FROM {db:Identifier}.spans AS s FINAL
         JOIN (SELECT trace_id, workflow FROM {db:Identifier}.spans FINAL WHERE workflow != '') AS w USING trace_id
         GROUP BY trace_id, kind ORDER BY workflow, kind`,
      );
      for (const [i, variant] of VARIANTS.entries()) {
        const name = `e2e-${variant.name}-${variant.gzip ? "gzip" : "plain"}`;
        const mine = rows.filter((r) => r.workflow === name);
        expect(mine.map((r) => [r.kind, r.spans])).toEqual([
          ["llm", 2],
          ["tool", 1],
          ["workflow", 1],
        ]);
        const llm = mine.find((r) => r.kind === "llm");
        expect(llm).toMatchObject({
          model: "claude-sonnet-4-5",
          provider: "anthropic",
          tokens: 1200 + 80 + 1500 + i + 120,
          cache_read: 2000,
          service_version: "3.1.4",
        });
        expect(mine.find((r) => r.kind === "tool")?.errors).toBe(1);
        expect(mine.find((r) => r.kind === "workflow")).toMatchObject({
          outcome: i % 2 === 0 ? "success" : "failure",
          case_id: `case-${i}`,
          tokens: 0,
        });
      }
    } finally {
      await store.close();
    }
  });
});
