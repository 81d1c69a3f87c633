// One mechanism for every wrapper: start an active span, let the user's function run inside it,
// record what its result says, end the span. Wrappers differ only in the attributes they set.

import type { StepKind } from "@leantrace/conventions";
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_GEN_AI_WORKFLOW_NAME,
  ATTR_LEANTRACE_RUN_ID,
  ATTR_LEANTRACE_STEP_KIND,
  ATTR_LEANTRACE_STEP_REJECTED,
} from "@leantrace/conventions/attributes";
import {
  type AttributeValue,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import { runOf } from "./run-context.ts";
import type { TokenUsage } from "./usage.ts";

const TRACER_NAME = "@leantrace/sdk";
const TRACER_VERSION = "0.1.0";

/** What a wrapped function can do with its step while it runs. */
export interface Step {
  /** The underlying span, for anything the wrappers do not cover. */
  readonly span: Span;
  /** Whether anything records this step; false without `init()`, so work can be skipped. */
  readonly recording: boolean;
  setAttribute(key: string, value: AttributeValue): void;
  /** Token counts by hand; they win over counts read from the response. */
  setUsage(usage: TokenUsage): void;
  /**
   * The agent could not use this step's output (a malformed or refused LLM turn: no action came
   * of it). The step ends with an error status and the reason; its tokens count as waste. The
   * function still returns normally.
   */
  reject(reason: string): void;
}

/**
 * How a wrapper's step is recorded. `start` and `finish` are meant to be functions defined once
 * (not closures made per call) that get the call's own `data`: a step runs thousands of times a
 * run, and under tsx (esbuild's keepNames) every function created in an object literal or bound
 * to a name is renamed on creation, at several hundred nanoseconds each.
 */
export interface StepSpec<T, D = undefined> {
  spanName: string;
  kind: StepKind;
  operation: string;
  /** What this call's `start` and `finish` read: the wrapper's arguments. */
  data: D;
  /** Writes the step's own attributes, before the function runs, when the span records. */
  start?: (span: Span, data: D) => void;
  /** Writes what the function's result says, when the span records. */
  finish?: (span: Span, result: T, state: StepState, data: D) => void;
  /** The context the span starts from; the active one by default. */
  parent?: Context;
  /** Wraps the context the user's function runs in (the workflow adds its run there). */
  enter?: (ctx: Context, span: Span) => Context;
  /** Called when the function throws, before the error is recorded. */
  onError?: (span: Span) => void;
}

export interface StepState {
  usage?: TokenUsage;
}

/** Writes the token counts known (the wrappers write attributes one by one: no objects built). */
export function writeUsage(span: Span, usage: TokenUsage | undefined): void {
  if (usage === undefined) return;
  if (usage.inputTokens !== undefined) span.setAttribute(ATTR_GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens);
  if (usage.outputTokens !== undefined)
    span.setAttribute(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens);
  if (usage.cacheReadInputTokens !== undefined) {
    span.setAttribute(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadInputTokens);
  }
  if (usage.cacheCreationInputTokens !== undefined) {
    span.setAttribute(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheCreationInputTokens);
  }
  if (usage.reasoningOutputTokens !== undefined) {
    span.setAttribute(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningOutputTokens);
  }
}

export function writeRun(span: Span, ctx: Context): void {
  const run = runOf(ctx);
  if (run === undefined) return;
  span.setAttribute(ATTR_GEN_AI_WORKFLOW_NAME, run.workflow);
  if (run.runId !== undefined) span.setAttribute(ATTR_LEANTRACE_RUN_ID, run.runId);
}

/** When the process's performance clock started; read once (Node answers the getter from C++). */
const TIME_ORIGIN = performance.timeOrigin;

/**
 * Wall-clock time with sub-millisecond resolution. Spans started without a time get
 * millisecond starts, and steps of a fast agent would then tie and lose their order.
 */
export function preciseNow(): number {
  return TIME_ORIGIN + performance.now();
}

// The tracer is looked up once per tracer provider, not once per step. The global provider is
// the API's proxy, which hands out a tracer that follows init() even when asked before it; a
// provider swapped in later (trace.disable(), then another) is seen and asked again.
let tracerOf: { provider: TracerProvider; tracer: Tracer } | undefined;

export function stepTracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (tracerOf?.provider !== provider) {
    tracerOf = { provider, tracer: provider.getTracer(TRACER_NAME, TRACER_VERSION) };
  }
  return tracerOf.tracer;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The handle a step's function gets. Its methods are own properties (closures), so that
 * `const { setUsage } = step` and `{ ...step }` keep working; they are assigned one by one
 * rather than written in an object literal, where tsx would rename each on every call.
 */
function stepHandle(span: Span, recording: boolean, state: StepState): Step {
  const step = { span, recording } as Mutable<Step>;
  step.setAttribute = (key, value) => {
    span.setAttribute(key, value);
  };
  step.setUsage = (usage) => {
    state.usage = { ...state.usage, ...usage };
  };
  step.reject = (reason) => {
    if (!recording) return;
    span.setAttribute(ATTR_LEANTRACE_STEP_REJECTED, reason);
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
  };
  return step;
}

/** One step between its start and its end. */
class StepRun<T, D> {
  readonly state: StepState = {};

  constructor(
    private readonly spec: StepSpec<T, D>,
    readonly span: Span,
    readonly recording: boolean,
  ) {}

  /** Records the result and ends the span; a result that cannot be read fails the step, as before. */
  succeed(result: T): T {
    try {
      if (this.recording) {
        if (this.spec.finish) this.spec.finish(this.span, result, this.state, this.spec.data);
        else writeUsage(this.span, this.state.usage);
      }
    } catch (error) {
      this.fail(error);
      throw error;
    }
    this.span.end(preciseNow());
    return result;
  }

  /** Records the error (status and exception event) and ends the span. */
  fail(error: unknown): void {
    this.spec.onError?.(this.span);
    if (this.recording) {
      writeUsage(this.span, this.state.usage);
      this.span.recordException(error instanceof Error ? error : String(error));
      this.span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    this.span.end(preciseNow());
  }
}

/**
 * Runs `fn` inside a new active span. Not an async function: a step whose function returns a
 * value ends its span at once and costs one promise, not the four an async wrapper around an
 * `await` makes (each one also passing through the context manager's promise hooks). Every
 * error still arrives as a rejected promise, never as a synchronous throw.
 */
export function runStep<T, D>(spec: StepSpec<T, D>, fn: (step: Step) => Promise<T> | T): Promise<T> {
  const parent = spec.parent ?? context.active();
  const span = stepTracer().startSpan(
    spec.spanName,
    { kind: SpanKind.INTERNAL, startTime: preciseNow() },
    parent,
  );
  const run = new StepRun(spec, span, span.isRecording());
  let result: Promise<T> | T;
  try {
    if (run.recording) {
      span.setAttribute(ATTR_GEN_AI_OPERATION_NAME, spec.operation);
      span.setAttribute(ATTR_LEANTRACE_STEP_KIND, spec.kind);
      writeRun(span, parent);
      spec.start?.(span, spec.data);
    }
    let ctx = trace.setSpan(parent, span);
    if (spec.enter) ctx = spec.enter(ctx, span);
    result = context.with(ctx, fn, undefined, stepHandle(span, run.recording, run.state));
  } catch (error) {
    run.fail(error);
    return Promise.reject(error);
  }
  if (isThenable(result)) {
    return Promise.resolve(result as PromiseLike<T>).then(
      (value) => run.succeed(value),
      (error: unknown) => {
        run.fail(error);
        throw error;
      },
    );
  }
  try {
    return Promise.resolve(run.succeed(result as T));
  } catch (error) {
    return Promise.reject(error);
  }
}
