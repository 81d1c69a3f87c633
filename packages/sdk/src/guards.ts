// What the wrappers do when a workflow runs with guards (`budget`, `loopGuard`). Both are off by
// default: without them the wrappers never come here and pay nothing for them.
import { AsyncLocalStorage } from "node:async_hooks";
import { type StepEffect, shellToolEffect } from "@leantrace/conventions";
import {
  ATTR_LEANTRACE_GUARD_BUDGET,
  ATTR_LEANTRACE_GUARD_CALLS,
  ATTR_LEANTRACE_GUARD_LIMIT,
  ATTR_LEANTRACE_GUARD_LOOP,
  ATTR_LEANTRACE_GUARD_PATTERN,
  ATTR_LEANTRACE_GUARD_REQUESTED,
  ATTR_LEANTRACE_GUARD_RESERVED,
  ATTR_LEANTRACE_GUARD_SCOPE,
  ATTR_LEANTRACE_GUARD_TOOL,
  ATTR_LEANTRACE_GUARD_UNIT,
  ATTR_LEANTRACE_GUARD_USED,
  EVENT_LEANTRACE_GUARD_BUDGET,
  EVENT_LEANTRACE_GUARD_LOOP,
} from "@leantrace/conventions/attributes";
import type { Attributes } from "@opentelemetry/api";
import {
  type Budget,
  BudgetExceededError,
  type BudgetExceededInfo,
  type BudgetOptions,
  createBudget,
  expectedSpend,
  type Reservation,
  recordCall,
  type StepEstimate,
} from "./budget.ts";
import { argumentsFingerprint, resultFingerprint } from "./content-memo.ts";
import {
  LoopDetectedError,
  type LoopGuardOptions,
  type LoopInfo,
  LoopWatch,
  type WatchedStep,
} from "./loop-guard.ts";
import type { Step } from "./step.ts";
import { readResponse, type TokenUsage } from "./usage.ts";

/** A workflow's guards. */
export interface RunGuards {
  readonly budgets: readonly Budget[];
  readonly loop: LoopWatch | undefined;
}

// The guards travel in a store of their own rather than in the OpenTelemetry context: without
// init() no context manager carries that context, and a guard must work with or without export.
const store = new AsyncLocalStorage<RunGuards | undefined>();

/** The guards of the workflow this code runs in. */
export function currentGuards(): RunGuards | undefined {
  return store.getStore();
}

/** Runs a workflow's function with its guards (none: a workflow inside a guarded one has its own). */
export function withGuards<T>(guards: RunGuards | undefined, fn: () => T): T {
  return guards === undefined && store.getStore() === undefined ? fn() : store.run(guards, fn);
}

export type BudgetSetting = Budget | BudgetOptions | readonly (Budget | BudgetOptions)[];

function isBudget(value: Budget | BudgetOptions): value is Budget {
  return typeof (value as { reserve?: unknown }).reserve === "function";
}

/** The guards of one workflow call: options become a budget of this run alone. */
export function runGuards(
  budget: BudgetSetting | undefined,
  loopGuard: boolean | LoopGuardOptions | undefined,
): RunGuards | undefined {
  const list =
    budget === undefined ? [] : Array.isArray(budget) ? budget : [budget as Budget | BudgetOptions];
  const budgets = list.map((b) => (isBudget(b) ? b : createBudget(b)));
  const loop =
    loopGuard === undefined || loopGuard === false
      ? undefined
      : new LoopWatch(loopGuard === true ? {} : loopGuard);
  return budgets.length === 0 && loop === undefined ? undefined : { budgets, loop };
}

// --- on the span ---

function recordRefusal(step: Step, info: BudgetExceededInfo): void {
  if (!step.recording) return;
  step.span.setAttribute(ATTR_LEANTRACE_GUARD_BUDGET, "exceeded");
  const attributes: Attributes = {
    [ATTR_LEANTRACE_GUARD_SCOPE]: info.scope,
    [ATTR_LEANTRACE_GUARD_UNIT]: info.unit,
    [ATTR_LEANTRACE_GUARD_USED]: info.used,
    [ATTR_LEANTRACE_GUARD_RESERVED]: info.reserved,
    [ATTR_LEANTRACE_GUARD_REQUESTED]: info.requested,
  };
  if (Number.isFinite(info.limit)) attributes[ATTR_LEANTRACE_GUARD_LIMIT] = info.limit;
  step.span.addEvent(EVENT_LEANTRACE_GUARD_BUDGET, attributes);
}

function recordLoop(step: Step, info: LoopInfo): void {
  if (!step.recording) return;
  step.span.setAttribute(ATTR_LEANTRACE_GUARD_LOOP, info.pattern);
  const attributes: Attributes = {
    [ATTR_LEANTRACE_GUARD_PATTERN]: info.pattern,
    [ATTR_LEANTRACE_GUARD_CALLS]: info.calls,
  };
  if (info.toolName !== undefined) attributes[ATTR_LEANTRACE_GUARD_TOOL] = info.toolName;
  step.span.addEvent(EVENT_LEANTRACE_GUARD_LOOP, attributes);
}

/**
 * The loop was seen at this step: the handler's value replaces the step's result, or the run is
 * stopped here. Either way the step's span says so.
 */
async function stopForLoop<T>(guards: RunGuards, step: Step, info: LoopInfo): Promise<T> {
  recordLoop(step, info);
  const handler = guards.loop?.onLoop;
  if (handler === undefined) throw new LoopDetectedError(info);
  // The handler's value stands in for the step's result: what it returns is the user's to shape.
  return (await handler(info)) as T;
}

// --- identities of results, as the analyzers compare them ---

/** A failure without a result: its message, as the analyzers read the span's status message. */
function errorIdentity(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  return message === "" ? undefined : `error\u0000${message}`;
}

/** An LLM call's output fingerprint, as finishLlm records it. */
function outputIdentity(result: unknown): string | undefined {
  const output = readResponse(result).output ?? (typeof result === "string" ? result : undefined);
  return output === undefined ? undefined : resultFingerprint(output);
}

function spanIdOf(step: Step): string {
  return step.span.spanContext().spanId;
}

// --- llm ---

export interface GuardedLlmCall {
  model: string | undefined;
  kind: "llm" | "embedding";
  estimate: StepEstimate | undefined;
  usage: TokenUsage | undefined;
}

function totalTokens(usage: TokenUsage | undefined): number | undefined {
  if (usage === undefined || (usage.inputTokens === undefined && usage.outputTokens === undefined))
    return undefined;
  return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
}

/** An LLM step under guards: reserved before the model is called, settled after. */
export async function guardedLlm<T>(
  guards: RunGuards,
  call: GuardedLlmCall,
  step: Step,
  fn: (step: Step) => Promise<T> | T,
): Promise<T> {
  // Before any await: the loop rules order steps by their start.
  const watched: WatchedStep | undefined = guards.loop?.begin(call.kind, spanIdOf(step));
  const held: { budget: Budget; reservation: Reservation }[] = [];
  let release: (() => void) | undefined;
  if (guards.budgets.length > 0) {
    const spend = await expectedSpend(call.model, call.estimate, guards.budgets);
    release = spend.release;
    for (const budget of guards.budgets) {
      const answer = await budget.reserve({ model: call.model, expected: spend.expected });
      if ("settle" in answer) {
        held.push({ budget, reservation: answer });
        continue;
      }
      for (const h of held) h.reservation.settle({ tokens: 0, cost: 0 });
      release?.();
      recordRefusal(step, answer);
      if (budget.onExceeded === undefined) throw new BudgetExceededError(answer);
      // The handler's value is what the step resolves to instead of the model's answer.
      const instead = (await budget.onExceeded(answer)) as T;
      if (watched !== undefined) guards.loop?.end(watched, outputIdentity(instead), false);
      return instead;
    }
  }
  // setUsage inside the function is what was spent, when the response does not say.
  let byHand: TokenUsage | undefined;
  const handle = { ...step };
  handle.setUsage = (usage) => {
    byHand = { ...byHand, ...usage };
    step.setUsage(usage);
  };
  let result: T;
  try {
    result = await fn(handle);
  } catch (error) {
    // A failed call is taken to have spent only what it said it spent.
    const tokens = totalTokens(byHand) ?? 0;
    for (const h of held) {
      h.reservation.settle({
        tokens,
        cost: byHand === undefined ? 0 : (h.budget.price?.({ model: call.model, usage: byHand }) ?? 0),
      });
    }
    release?.();
    if (watched !== undefined) guards.loop?.end(watched, undefined, true);
    throw error;
  }
  if (held.length > 0) {
    const facts = readResponse(result);
    const usage =
      call.usage === undefined && byHand === undefined
        ? facts.usage
        : { ...facts.usage, ...call.usage, ...byHand };
    const tokens = totalTokens(usage);
    const model = call.model ?? facts.model;
    let cost: number | undefined;
    for (const h of held) {
      const priced = usage === undefined ? undefined : h.budget.price?.({ model, usage });
      cost ??= priced;
      // Unknown usage: the reservation stays spent (an unmetered call must not free the budget).
      h.reservation.settle(tokens === undefined ? undefined : { tokens, cost: priced });
    }
    if (tokens !== undefined) recordCall(call.model, cost === undefined ? { tokens } : { tokens, cost });
  }
  release?.();
  if (watched !== undefined && guards.loop !== undefined) {
    const info = guards.loop.end(watched, call.kind === "llm" ? outputIdentity(result) : undefined, false);
    if (info !== undefined) return stopForLoop(guards, step, info);
  }
  return result;
}

// --- tool, retrieval ---

/** A tool step under the loop guard: judged when it ends. `keep` records the result on the span before a stop. */
export async function guardedTool<T>(
  guards: RunGuards,
  tool: { name: string; args: unknown; effect: StepEffect | undefined; argsFingerprint?: string },
  step: Step,
  fn: (step: Step) => Promise<T> | T,
  keep: (result: T) => void,
): Promise<T> {
  const loop = guards.loop;
  if (loop === undefined) return fn(step);
  const watched = loop.begin("tool", spanIdOf(step), {
    name: tool.name,
    // As the step's start recorded them; worked out here when the step is not recorded.
    argsFingerprint: tool.argsFingerprint ?? argumentsFingerprint(tool.args),
    effect: tool.effect ?? shellToolEffect(tool.name, tool.args),
  });
  let result: T;
  try {
    result = await fn(step);
  } catch (error) {
    const info = loop.end(watched, errorIdentity(error), true);
    if (info !== undefined) return stopForLoop(guards, step, info);
    throw error;
  }
  const info = loop.end(watched, result === undefined ? undefined : resultFingerprint(result), false);
  if (info === undefined) return result;
  // The call did return: its span keeps the result, so the exported run shows the repeat too.
  if (loop.onLoop === undefined && step.recording) keep(result);
  return stopForLoop(guards, step, info);
}

/** A retrieval (or rerank) under the loop guard: a read that breaks a row of repeats. */
export async function guardedLookup<T, S extends Step>(
  guards: RunGuards,
  step: S,
  fn: (step: S) => Promise<T> | T,
): Promise<T> {
  const loop = guards.loop;
  if (loop === undefined) return fn(step);
  const watched = loop.begin("retrieval", spanIdOf(step));
  try {
    const result = await fn(step);
    loop.end(watched, undefined, false);
    return result;
  } catch (error) {
    loop.end(watched, undefined, true);
    throw error;
  }
}
