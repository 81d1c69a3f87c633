// The workflow a step belongs to travels in the OpenTelemetry context, so every span of a run
// carries the run id and the workflow name even when it is exported in another batch.
import { type Context, createContextKey } from "@opentelemetry/api";

export interface RunContext {
  workflow: string;
  /** Set only when the user chose a run id; otherwise the trace id is the run id. */
  runId?: string;
}

const RUN_CONTEXT_KEY = createContextKey("leantrace.run");

export function runOf(ctx: Context): RunContext | undefined {
  return ctx.getValue(RUN_CONTEXT_KEY) as RunContext | undefined;
}

export function withRun(ctx: Context, run: RunContext): Context {
  return ctx.setValue(RUN_CONTEXT_KEY, run);
}
