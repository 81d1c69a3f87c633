// The loop guard: packages/analyzers/sql/loop.sql's rules (repeat, error_retry, alternation,
// monologue) applied in process as a run's steps end, with the same definitions and the same
// default thresholds (packages/conventions/src/analyzer-defaults.ts), so that a run is stopped at
// the step where the analyzer would flag it. How the SQL's arrays map onto what is kept here:
//   steps      every llm, embedding, retrieval, rerank, tool and reasoning step, in start order
//   effect     retrieval/embedding/rerank 'read'; llm and reasoning 'none'; a tool: its own effect
//              (the `effect` option, a shell command's), else by name (neutral, write, read),
//              else 'unknown', which counts as state-changing
//   signature  a tool's name and canonical arguments' fingerprint (other steps have none)
//   result     a tool's result fingerprint, else for a failure its error message; an LLM call's
//              output fingerprint; unknown when not recorded (two unknowns are equal, as 0 = 0)
//   repeat_of  the latest earlier step with the same signature, when no state-changing step
//              started between them and both returned the same result
//   acts       action kinds (tool, retrieval, embedding, rerank) whose effect is not 'none'
// A repeat or an alternation whose results were not recorded is only a suggestion for the
// analyzer: the guard does not stop a run for it. Steps that run in parallel are judged as they
// end, against the steps that started before them.
import {
  ACTION_KINDS,
  ALTERNATION_MIN_CYCLES,
  DEFAULT_TOOL_CLASSES,
  LOOP_MIN_REPEATS,
  MONOLOGUE_MIN_REPEATS,
  type NameEffect,
  READ_KINDS,
  type StepEffect,
  type StepKind,
  type ToolClasses,
  toolNameClassifier,
} from "@leantrace/conventions";

export type LoopPattern = "repeat" | "error_retry" | "alternation" | "monologue";

/** The loop the guard saw, for the error, the handler and the span. */
export interface LoopInfo {
  pattern: LoopPattern;
  /** The repeated tool (the first of the cycle for an alternation); undefined for a monologue. */
  toolName: string | undefined;
  /** Calls in the loop so far, the first one included (a cycle's first round too). */
  calls: number;
  /** Span id of the step where the loop was seen: the one the guard stopped. */
  spanId: string;
  /** Span ids of the loop's calls, in order. */
  spanIds: string[];
}

/** Thrown by the step where the loop guard saw a loop (when no `onLoop` handler is given). */
export class LoopDetectedError extends Error {
  override readonly name = "LoopDetectedError";
  readonly pattern: LoopPattern;
  readonly toolName: string | undefined;
  readonly calls: number;
  readonly spanId: string;

  constructor(readonly info: LoopInfo) {
    super(
      info.pattern === "monologue"
        ? `leantrace: loop detected: the LLM gave the same answer ${info.calls} times in a row`
        : info.pattern === "alternation"
          ? `leantrace: loop detected: a cycle starting with \`${info.toolName}\` repeats with the same results (${info.calls} calls)`
          : `leantrace: loop detected: \`${info.toolName}\` ran ${info.calls} times in a row with the same arguments and ${info.pattern === "error_retry" ? "the same error" : "the same result"}`,
    );
    this.pattern = info.pattern;
    this.toolName = info.toolName;
    this.calls = info.calls;
    this.spanId = info.spanId;
  }
}

/**
 * What the step where a loop was seen returns instead of its result (for example a message
 * telling the model it is repeating itself); it may throw instead.
 */
export type LoopHandler = (info: LoopInfo) => unknown;

export interface LoopGuardOptions {
  /** As the analyzers' `loopMinRepeats`. @default 2 */
  minRepeats?: number;
  /** As `alternationMinCycles`. @default 3 */
  alternationMinCycles?: number;
  /** As `monologueMinRepeats`. @default 3 */
  monologueMinRepeats?: number;
  /** Tool classes by name, as the analyzers' `readTools`, `writeTools`, `neutralTools` (re2 syntax). */
  toolClasses?: Partial<ToolClasses>;
  /** Called instead of throwing `LoopDetectedError`. */
  onLoop?: LoopHandler;
}

/** One step, from its start to its end. */
export interface WatchedStep {
  readonly kind: StepKind;
  readonly effect: NameEffect;
  readonly signature: string | undefined;
  readonly toolName: string | undefined;
  readonly spanId: string;
  /** State-changing steps started before this one. */
  readonly writesBefore: number;
  readonly isAct: boolean;
  readonly sameSignature: WatchedStep | undefined;
  readonly previousAct: WatchedStep | undefined;
  readonly previousLlm: WatchedStep | undefined;
  done: boolean;
  /** The result's identity; undefined when not recorded. */
  result: string | undefined;
  failed: boolean;
  /** Length of the row of repeats this act ends (1: none), whether all failed. */
  row: number;
  rowFailed: boolean;
  /** Matched calls in a row, for cycles of 2 and 3, and whether their results were all recorded. */
  cycleRun: [number, number];
  cycleKnown: [boolean, boolean];
  /** Same LLM output in a row. */
  same: number;
}

const isWrite = (effect: NameEffect) => effect === "write" || effect === "unknown";

/** A run's steps as the loop rules see them. */
export class LoopWatch {
  readonly onLoop: LoopHandler | undefined;
  private readonly minRepeats: number;
  private readonly minCycles: number;
  private readonly monologueMin: number;
  private readonly classify: (name: string) => NameEffect;
  private writes = 0;
  private lastAct: WatchedStep | undefined;
  private lastLlm: WatchedStep | undefined;
  private readonly bySignature = new Map<string, WatchedStep>();

  constructor(options: LoopGuardOptions = {}) {
    this.minRepeats = options.minRepeats ?? LOOP_MIN_REPEATS;
    this.minCycles = options.alternationMinCycles ?? ALTERNATION_MIN_CYCLES;
    this.monologueMin = options.monologueMinRepeats ?? MONOLOGUE_MIN_REPEATS;
    for (const [name, value] of [
      ["minRepeats", this.minRepeats],
      ["alternationMinCycles", this.minCycles],
      ["monologueMinRepeats", this.monologueMin],
    ] as const) {
      if (!Number.isInteger(value) || value < 2) {
        throw new TypeError(`leantrace: loopGuard ${name} must be an integer >= 2, not ${String(value)}`);
      }
    }
    this.classify = toolNameClassifier({ ...DEFAULT_TOOL_CLASSES, ...options.toolClasses });
    this.onLoop = options.onLoop;
  }

  /** A step starts. `effect` is a tool's own (the option, a shell command's). */
  begin(
    kind: StepKind,
    spanId: string,
    tool?: { name: string; argsFingerprint: string; effect: StepEffect | undefined },
  ): WatchedStep {
    const effect: NameEffect = (READ_KINDS as readonly string[]).includes(kind)
      ? "read"
      : kind !== "tool" || tool === undefined
        ? "none"
        : (tool.effect ?? this.classify(tool.name));
    const signature =
      kind === "tool" && tool !== undefined ? `${tool.name}\u0000${tool.argsFingerprint}` : undefined;
    const isAct = (ACTION_KINDS as readonly string[]).includes(kind) && effect !== "none";
    const step: WatchedStep = {
      kind,
      effect,
      signature,
      toolName: tool?.name,
      spanId,
      writesBefore: this.writes,
      isAct,
      sameSignature: signature === undefined ? undefined : this.bySignature.get(signature),
      previousAct: isAct ? this.lastAct : undefined,
      previousLlm: kind === "llm" ? this.lastLlm : undefined,
      done: false,
      result: undefined,
      failed: false,
      row: 1,
      rowFailed: false,
      cycleRun: [0, 0],
      cycleKnown: [true, true],
      same: 0,
    };
    if (isWrite(effect)) this.writes += 1;
    if (signature !== undefined) this.bySignature.set(signature, step);
    if (isAct) this.lastAct = step;
    if (kind === "llm") this.lastLlm = step;
    return step;
  }

  /** A step ended with `result` (its identity, undefined if not recorded); the loop it completes, if any. */
  end(step: WatchedStep, result: string | undefined, failed: boolean): LoopInfo | undefined {
    step.done = true;
    step.result = result;
    step.failed = failed;
    if (step.kind === "llm") return this.endLlm(step);
    if (!step.isAct) return undefined;

    // repeat / error_retry: a row of calls, each the repeat of the act just before it.
    const previous = step.previousAct;
    const earlier = step.sameSignature;
    const repeats =
      earlier?.done === true &&
      earlier === previous &&
      step.writesBefore === earlier.writesBefore + (isWrite(earlier.effect) ? 1 : 0) &&
      step.result === earlier.result;
    step.row = repeats ? previous.row + 1 : 1;
    step.rowFailed = repeats ? previous.rowFailed && failed : failed;
    if (step.row >= this.minRepeats && result !== undefined) {
      const calls = this.chain(step, step.row);
      return {
        pattern: step.rowFailed ? "error_retry" : "repeat",
        toolName: step.toolName,
        calls: step.row,
        spanId: step.spanId,
        spanIds: calls.map((s) => s.spanId),
      };
    }

    // alternation: a cycle of 2 or 3 distinct calls, each returning what it did a cycle before.
    const back1 = previous;
    const back2 = back1?.previousAct;
    const back3 = back2?.previousAct;
    const s = step.signature;
    const matched2 =
      s !== undefined &&
      back2?.done === true &&
      s === back2.signature &&
      s !== back1?.signature &&
      step.result === back2.result;
    const matched3 =
      s !== undefined &&
      back3?.done === true &&
      s === back3.signature &&
      s !== back1?.signature &&
      s !== back2?.signature &&
      back1?.signature !== back2?.signature &&
      step.result === back3.result;
    const known = result !== undefined;
    step.cycleRun = [
      matched2 ? (back1?.cycleRun[0] ?? 0) + 1 : 0,
      matched3 ? (back1?.cycleRun[1] ?? 0) + 1 : 0,
    ];
    step.cycleKnown = [
      matched2 && (back1 === undefined || back1.cycleRun[0] === 0 || back1.cycleKnown[0]) && known,
      matched3 && (back1 === undefined || back1.cycleRun[1] === 0 || back1.cycleKnown[1]) && known,
    ];
    for (const [index, period] of [
      [0, 2],
      [1, 3],
    ] as const) {
      const run = step.cycleRun[index];
      if (run > 0 && run + period >= period * this.minCycles && step.cycleKnown[index]) {
        const calls = this.chain(step, run + period);
        return {
          pattern: "alternation",
          toolName: calls[0]?.toolName,
          calls: run + period,
          spanId: step.spanId,
          spanIds: calls.map((c) => c.spanId),
        };
      }
    }
    return undefined;
  }

  /** monologue: the same output, recorded, this many LLM calls in a row. */
  private endLlm(step: WatchedStep): LoopInfo | undefined {
    const previous = step.previousLlm;
    step.same =
      step.result === undefined
        ? 0
        : previous?.done === true && previous.result === step.result
          ? previous.same + 1
          : 1;
    if (step.same < this.monologueMin) return undefined;
    const calls: WatchedStep[] = [];
    for (
      let s: WatchedStep | undefined = step;
      s !== undefined && calls.length < step.same;
      s = s.previousLlm
    ) {
      calls.unshift(s);
    }
    return {
      pattern: "monologue",
      toolName: undefined,
      calls: step.same,
      spanId: step.spanId,
      spanIds: calls.map((c) => c.spanId),
    };
  }

  /** The last `count` acts up to `step`, in order. */
  private chain(step: WatchedStep, count: number): WatchedStep[] {
    const calls: WatchedStep[] = [];
    for (let s: WatchedStep | undefined = step; s !== undefined && calls.length < count; s = s.previousAct) {
      calls.unshift(s);
    }
    return calls;
  }
}
