export {
  ALTERNATION_MIN_CYCLES,
  DEFAULT_NEUTRAL_TOOLS,
  DEFAULT_READ_TOOLS,
  DEFAULT_TOOL_CLASSES,
  DEFAULT_WRITE_TOOLS,
  LOOP_MIN_REPEATS,
  MONOLOGUE_MIN_REPEATS,
  type NameEffect,
  type ToolClasses,
  toolNameClassifier,
} from "./analyzer-defaults.ts";
export {
  canonicalJson,
  contentFingerprint,
  documentsFingerprint,
  fingerprint,
  messageFingerprint,
  normalizeQuery,
  normalizeText,
  queryFingerprint,
  toolArgumentsFingerprint,
} from "./fingerprint.ts";
export { PENDING_BYTES_HEADER, TRUNCATED_HEADER } from "./http-headers.ts";
export { firstIssue, type ValidationError } from "./issues.ts";
export { MAX_JSON_DEPTH, parseJsonText } from "./json-text.ts";
export { type CommandEffect, commandEffect, SHELL_TOOL_PATTERN, shellCommandOf } from "./shell-effect.ts";
export {
  ACTION_KINDS,
  isOutcome,
  isStepEffect,
  isStepKind,
  LOOKUP_KINDS,
  OUTCOMES,
  type Outcome,
  READ_KINDS,
  STEP_EFFECTS,
  STEP_KINDS,
  type StepEffect,
  type StepKind,
  TOKEN_BEARING_KINDS,
} from "./step-kind.ts";
export { shellToolEffect } from "./tool-effect.ts";
