export { type Baseline, BaselineError, baselineSchema, buildBaseline, parseBaseline } from "./baseline.ts";
export { type CheckOptions, type CheckResult, check, type Verdict, type WorkflowCheck } from "./decide.ts";
export { type ExplainingFinding, formatCheck, formatCheckMarkdown, markdownText } from "./format.ts";
export { seededRandom } from "./random.ts";
export { type Figures, figuresOf, type RunTotal } from "./runs.ts";
