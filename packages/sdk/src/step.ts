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
  type Attributes,
  type AttributeValue,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
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

export interface StepSpec<T> {
  spanName: string;
  kind: StepKind;
  operation: string;
  attributes: () => Attributes;
  /** Attributes taken from the function's result, when the span records. */
  fromResult?: (result: T, step: StepState) => Attributes;
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

export function usageAttributes(usage: TokenUsage | undefined): Attributes {
  if (usage === undefined) return {};
  const attributes: Attributes = {};
  const put = (key: string, value: number | undefined) => {
    if (value !== undefined) attributes[key] = value;
  };
  put(ATTR_GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens);
  put(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens);
  put(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadInputTokens);
  put(ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheCreationInputTokens);
  put(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningOutputTokens);
  return attributes;
}

function runAttributes(ctx: Context): Attributes {
  const run = runOf(ctx);
  if (run === undefined) return {};
  const attributes: Attributes = { [ATTR_GEN_AI_WORKFLOW_NAME]: run.workflow };
  if (run.runId !== undefined) attributes[ATTR_LEANTRACE_RUN_ID] = run.runId;
  return attributes;
}

/**
 * Wall-clock time with sub-millisecond resolution. Spans started without a time get
 * millisecond starts, and steps of a fast agent would then tie and lose their order.
 */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export async function runStep<T>(spec: StepSpec<T>, fn: (step: Step) => Promise<T> | T): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME, TRACER_VERSION);
  const parent = spec.parent ?? context.active();
  const span = tracer.startSpan(spec.spanName, { kind: SpanKind.INTERNAL, startTime: preciseNow() }, parent);
  const recording = span.isRecording();
  const state: StepState = {};
  if (recording) {
    span.setAttributes({
      [ATTR_GEN_AI_OPERATION_NAME]: spec.operation,
      [ATTR_LEANTRACE_STEP_KIND]: spec.kind,
      ...runAttributes(parent),
      ...spec.attributes(),
    });
  }
  const step: Step = {
    span,
    recording,
    setAttribute: (key, value) => span.setAttribute(key, value),
    setUsage: (usage) => {
      state.usage = { ...state.usage, ...usage };
    },
    reject: (reason) => {
      if (!recording) return;
      span.setAttribute(ATTR_LEANTRACE_STEP_REJECTED, reason);
      span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    },
  };
  let ctx = trace.setSpan(parent, span);
  if (spec.enter) ctx = spec.enter(ctx, span);
  try {
    const result = await context.with(ctx, () => fn(step));
    if (recording) {
      if (spec.fromResult) span.setAttributes(spec.fromResult(result, state));
      else span.setAttributes(usageAttributes(state.usage));
    }
    return result;
  } catch (error) {
    spec.onError?.(span);
    if (recording) {
      span.setAttributes(usageAttributes(state.usage));
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
    }
    throw error;
  } finally {
    span.end(preciseNow());
  }
}
