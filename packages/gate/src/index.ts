export { type Baseline, BaselineError, baselineSchema, buildBaseline, parseBaseline } from "./baseline.ts";
export {
  type CheckOptions,
  type CheckResult,
  type CheckSettings,
  check,
  nothingToCompare,
  type Verdict,
  type WorkflowCheck,
} from "./decide.ts";
export {
  type ExplainingFinding,
  formatCheck,
  formatCheckMarkdown,
  formatSettings,
  markdownText,
} from "./format.ts";
export { seededRandom } from "./random.ts";
export { type Figures, figuresOf, type RunTotal } from "./runs.ts";
export { formatShare, parseShare, ShareError, type ShareRange } from "./share.ts";
export { noRunsFound, type RunSource } from "./source.ts";
