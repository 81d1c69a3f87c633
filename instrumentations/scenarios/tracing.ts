// What every scenario shares: the OpenTelemetry SDK as an application sets it up (a Node tracer
// provider, batched export with the real OTLP/HTTP exporter to the collector the test started),
// and where the fake provider listens. A scenario is its own process: instrumentations patch
// modules, and each must own the process it patches.
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

export function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") throw new Error(`${name} is not set: the test sets it`);
  return value;
}

/** The fake provider's base URL (`http://127.0.0.1:PORT/v1`). */
export const providerUrl = () => env("FAKE_PROVIDER_URL");
/** The collector's base URL. */
export const collectorUrl = () => env("LEANTRACE_ENDPOINT");

export function startTracing(serviceName: string): NodeTracerProvider {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName, "service.version": "1.0.0" }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collectorUrl()}/v1/traces` }), {
        scheduledDelayMillis: 100,
      }),
    ],
  });
  provider.register();
  return provider;
}

/** Runs the scenario, then exports what is left and exits: non-zero when anything failed. */
export async function main(run: () => Promise<void>, shutdown: () => Promise<void>): Promise<void> {
  try {
    await run();
    await shutdown();
  } catch (error) {
    console.error(error);
    await shutdown().catch(() => {});
    process.exit(1);
  }
  process.exit(0);
}
