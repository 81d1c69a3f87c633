// Analyzer thresholds. All optional; `resolveAnalyzerConfig` fills in the defaults once.
import {
  ACTION_KINDS,
  ALTERNATION_MIN_CYCLES,
  DEFAULT_NEUTRAL_TOOLS,
  DEFAULT_READ_TOOLS,
  DEFAULT_WRITE_TOOLS,
  LOOKUP_KINDS,
  LOOP_MIN_REPEATS,
  MONOLOGUE_MIN_REPEATS,
  READ_KINDS,
} from "@leantrace/conventions";
import { z } from "zod";

export const analyzerOptionsSchema = z.object({
  /** A run with no outcome is complete once nothing arrived for it this long. @default 300000 (5 minutes) */
  idleMillis: z.number().int().nonnegative().optional(),
  /** The same call with the same result this many times in a row is a loop. @default 2 */
  loopMinRepeats: z.number().int().min(2).optional(),
  /** A cycle of 2 or 3 calls repeated this many times is an alternation. @default 3 */
  alternationMinCycles: z.number().int().min(2).optional(),
  /** Same LLM output this many times in a row is a monologue. @default 3 */
  monologueMinRepeats: z.number().int().min(2).optional(),
  /** Result sets overlapping at least this much (Jaccard) repeat a retrieval. @default 0.8 */
  retrievalJaccardMin: z.number().min(0).max(1).optional(),
  /**
   * Tools that only read (a regular expression on the tool name, ClickHouse `re2` syntax): a
   * read between two identical calls changes nothing, and a read repeated is a re-read. Used
   * when the step does not say itself (the SDK's `effect`, a shell tool's command).
   * @default DEFAULT_READ_TOOLS
   */
  readTools: z.string().optional(),
  /** Tools that change state, checked before `readTools` (`get_or_create_user` writes). @default DEFAULT_WRITE_TOOLS */
  writeTools: z.string().optional(),
  /**
   * Tools with no effect at all (`think`, a calculator): they neither break a row of repeats
   * nor count as an action between two calls. Checked first.
   * @default DEFAULT_NEUTRAL_TOOLS
   */
  neutralTools: z.string().optional(),
  /** Repeats of a call further back than the one just before are reported from this many result tokens. @default 0 */
  minRereadTokens: z.number().int().nonnegative().optional(),
  /** A step signature in fewer successful runs than this share is off the usual path. @default 0.1 */
  offPathMaxShare: z.number().min(0).max(1).optional(),
  /** Off-path suggestions need at least this many successful runs of the workflow. @default 20 */
  offPathMinRuns: z.number().int().min(1).optional(),
  /**
   * A run with an evaluation case is compared with the other successful runs of that case
   * only, and only when there are at least this many. @default 3
   */
  offPathMinCaseRuns: z.number().int().min(1).optional(),
  /** Characters per token, to size a result re-injected into a prompt. @default 4 */
  charsPerToken: z.number().int().min(1).optional(),
});

export type AnalyzerOptions = z.infer<typeof analyzerOptionsSchema>;
export type AnalyzerConfig = Required<AnalyzerOptions>;

// The defaults the SDK's loop guard shares live in the conventions: one definition for both.
export { DEFAULT_NEUTRAL_TOOLS, DEFAULT_READ_TOOLS, DEFAULT_WRITE_TOOLS };

export function resolveAnalyzerConfig(options: AnalyzerOptions = {}): AnalyzerConfig {
  return {
    idleMillis: options.idleMillis ?? 300_000,
    loopMinRepeats: options.loopMinRepeats ?? LOOP_MIN_REPEATS,
    alternationMinCycles: options.alternationMinCycles ?? ALTERNATION_MIN_CYCLES,
    monologueMinRepeats: options.monologueMinRepeats ?? MONOLOGUE_MIN_REPEATS,
    retrievalJaccardMin: options.retrievalJaccardMin ?? 0.8,
    readTools: options.readTools ?? DEFAULT_READ_TOOLS,
    writeTools: options.writeTools ?? DEFAULT_WRITE_TOOLS,
    neutralTools: options.neutralTools ?? DEFAULT_NEUTRAL_TOOLS,
    minRereadTokens: options.minRereadTokens ?? 0,
    offPathMaxShare: options.offPathMaxShare ?? 0.1,
    offPathMinRuns: options.offPathMinRuns ?? 20,
    offPathMinCaseRuns: options.offPathMinCaseRuns ?? 3,
    charsPerToken: options.charsPerToken ?? 4,
  };
}

/** The thresholds, and the step kinds the rules are about, as the SQL files name them. */
export function sqlParameters(config: AnalyzerConfig): Record<string, string | number | readonly string[]> {
  return {
    action_kinds: ACTION_KINDS,
    lookup_kinds: LOOKUP_KINDS,
    read_kinds: READ_KINDS,
    idle_ms: config.idleMillis,
    loop_min_repeats: config.loopMinRepeats,
    alternation_min_cycles: config.alternationMinCycles,
    monologue_min_repeats: config.monologueMinRepeats,
    jaccard_min: config.retrievalJaccardMin,
    read_tools: config.readTools,
    write_tools: config.writeTools,
    neutral_tools: config.neutralTools,
    min_reread_tokens: config.minRereadTokens,
    off_path_max_share: config.offPathMaxShare,
    off_path_min_runs: config.offPathMinRuns,
    off_path_min_case_runs: config.offPathMinCaseRuns,
    chars_per_token: config.charsPerToken,
  };
}
