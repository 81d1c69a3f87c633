// The analyzers' default thresholds and tool classes, defined once: the analyzers pass them to
// their SQL, and the SDK's loop guard applies the same rules in process, so a run the guard stops
// is a run the analyzer would have flagged, at the same step.
import type { StepEffect } from "./step-kind.ts";

/** The same call with the same result this many times in a row is a loop. */
export const LOOP_MIN_REPEATS = 2;
/** A cycle of 2 or 3 calls repeated this many times is an alternation. */
export const ALTERNATION_MIN_CYCLES = 3;
/** The same LLM output this many times in a row is a monologue. */
export const MONOLOGUE_MIN_REPEATS = 3;

// The tool classes are ClickHouse `re2` patterns (the SQL matches them); `toolNameEffect` reads
// the same text as a JavaScript pattern. Both dialects agree on everything used here.

/** Read-like names: a word at the start of the name or after `_`, `.` or `-`. */
export const DEFAULT_READ_TOOLS =
  "(?i)(^|[_.-])(read|get|fetch|search|list|lookup|find|query|view|open|cat|grep|ls|describe|show|load|check|retrieve|inspect|browse|count|peek|status|diff)";
/** State-changing names, checked before the read-like ones. */
export const DEFAULT_WRITE_TOOLS =
  "(?i)(^|[_.-])(create|update|set|delete|remove|cancel|book|modify|edit|write|save|insert|add|put|post|patch|send|submit|apply|toggle|enable|disable|reset|reboot|restart|install|run|exec|execute|move|rename|transfer|exchange|return|refund|pay|charge|upload|commit|push|merge|refuel|start|stop|kill|approve|assign|mark|register|grant|revoke|replace|append|str_replace|undo)";
/** Tools without side effects that only help the model think. */
export const DEFAULT_NEUTRAL_TOOLS =
  "(?i)^(think|thinking|reason|reasoning|reflect|plan|planning|note|notes|scratchpad|calculate|calculator|sequential_?thinking)$";

/** The three tool classes, as `re2` pattern text. */
export interface ToolClasses {
  readTools: string;
  writeTools: string;
  neutralTools: string;
}

export const DEFAULT_TOOL_CLASSES: Readonly<ToolClasses> = {
  readTools: DEFAULT_READ_TOOLS,
  writeTools: DEFAULT_WRITE_TOOLS,
  neutralTools: DEFAULT_NEUTRAL_TOOLS,
};

/** A tool's effect judged by its name: as the SQL does, when the step does not say. */
export type NameEffect = StepEffect | "unknown";

/** `(?i)` is re2's flag; JavaScript takes it as a flag of the RegExp instead. */
function jsPattern(re2: string): RegExp {
  return re2.startsWith("(?i)") ? new RegExp(re2.slice(4), "i") : new RegExp(re2);
}

/**
 * Classifies tools by name in the analyzers' order: neutral first, then write, then read;
 * anything else is `unknown`, which counts as state-changing.
 */
export function toolNameClassifier(
  classes: Readonly<ToolClasses> = DEFAULT_TOOL_CLASSES,
): (name: string) => NameEffect {
  const neutral = jsPattern(classes.neutralTools);
  const write = jsPattern(classes.writeTools);
  const read = jsPattern(classes.readTools);
  return (name) => {
    if (neutral.test(name)) return "none";
    if (write.test(name)) return "write";
    if (read.test(name)) return "read";
    return "unknown";
  };
}
