export {
  canonicalJson,
  contentFingerprint,
  documentsFingerprint,
  fingerprint,
  normaliseQuery,
  normaliseText,
  queryFingerprint,
  toolArgumentsFingerprint,
} from "./fingerprint.ts";
export { firstIssue, type ValidationError } from "./issues.ts";
export {
  isOutcome,
  isStepKind,
  OUTCOMES,
  type Outcome,
  STEP_KINDS,
  type StepKind,
  TOKEN_BEARING_KINDS,
} from "./step-kind.ts";
