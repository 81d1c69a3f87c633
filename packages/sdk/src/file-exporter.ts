// Writes each batch of spans as one OTLP/JSON file (an ExportTraceServiceRequest), so a test
// suite can record its spans in CI with no collector running; `leantrace check --from-otlp`
// reads the folder.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

export class OtlpJsonFileExporter implements SpanExporter {
  private written = 0;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    try {
      const body = JsonTraceSerializer.serializeRequest(spans);
      if (body === undefined) throw new Error("the spans could not be serialised as OTLP/JSON");
      const name = `spans-${process.pid}-${Date.now()}-${this.written++}.json`;
      // Written under a temporary name first: a reader never sees half a file.
      const temporary = join(this.dir, `.${name}.tmp`);
      writeFileSync(temporary, body);
      renameSync(temporary, join(this.dir, name));
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}
}
