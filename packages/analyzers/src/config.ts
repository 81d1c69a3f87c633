// Analyzer thresholds. All optional; `resolveAnalyzerConfig` fills in the defaults once.
import { z } from "zod";

export const analyzerOptionsSchema = z.object({
  /** A run with no outcome is complete once nothing arrived for it this long. @default 300000 (5 minutes) */
  idleMillis: z.number().int().nonnegative().optional(),
  /** Same tool call this many times in a row is a loop. @default 3 */
  loopMinRepeats: z.number().int().min(2).optional(),
  /** A cycle of 2 or 3 calls repeated this many times is an alternation. @default 3 */
  alternationMinCycles: z.number().int().min(2).optional(),
  /** Same LLM output this many times in a row is a monologue. @default 3 */
  monologueMinRepeats: z.number().int().min(2).optional(),
  /** Result sets overlapping at least this much (Jaccard) repeat a retrieval. @default 0.8 */
  retrievalJaccardMin: z.number().min(0).max(1).optional(),
  /**
   * Tools whose identical repeated calls with identical results are re-reads (a regular
   * expression on the tool name). Shell tools count: the same command with the same output
   * learned nothing new.
   * @default see DEFAULT_READ_TOOLS
   */
  readTools: z.string().optional(),
  /** Repeated reads of results smaller than this many tokens are not reported. @default 16 */
  minRereadTokens: z.number().int().nonnegative().optional(),
  /** A step signature in fewer successful runs than this share is off the usual path. @default 0.1 */
  offPathMaxShare: z.number().min(0).max(1).optional(),
  /** Off-path suggestions need at least this many successful runs of the workflow. @default 20 */
  offPathMinRuns: z.number().int().min(1).optional(),
  /** Characters per token, to size a result re-injected into a prompt. @default 4 */
  charsPerToken: z.number().int().min(1).optional(),
});

export type AnalyzerOptions = z.infer<typeof analyzerOptionsSchema>;
export type AnalyzerConfig = Required<AnalyzerOptions>;

export const DEFAULT_READ_TOOLS =
  "(?i)(^|[_.-])(read|get|fetch|search|list|lookup|find|query|view|open|cat|grep|ls|describe|show|load)|^(bash|sh|shell|terminal|run_shell_command|execute_command)$";

export function resolveAnalyzerConfig(options: AnalyzerOptions = {}): AnalyzerConfig {
  return {
    idleMillis: options.idleMillis ?? 300_000,
    loopMinRepeats: options.loopMinRepeats ?? 3,
    alternationMinCycles: options.alternationMinCycles ?? 3,
    monologueMinRepeats: options.monologueMinRepeats ?? 3,
    retrievalJaccardMin: options.retrievalJaccardMin ?? 0.8,
    readTools: options.readTools ?? DEFAULT_READ_TOOLS,
    minRereadTokens: options.minRereadTokens ?? 16,
    offPathMaxShare: options.offPathMaxShare ?? 0.1,
    offPathMinRuns: options.offPathMinRuns ?? 20,
    charsPerToken: options.charsPerToken ?? 4,
  };
}

/** The thresholds as the SQL files name them. */
export function sqlParameters(config: AnalyzerConfig): Record<string, string | number> {
  return {
    idle_ms: config.idleMillis,
    loop_min_repeats: config.loopMinRepeats,
    alternation_min_cycles: config.alternationMinCycles,
    monologue_min_repeats: config.monologueMinRepeats,
    jaccard_min: config.retrievalJaccardMin,
    read_tools: config.readTools,
    min_reread_tokens: config.minRereadTokens,
    off_path_max_share: config.offPathMaxShare,
    off_path_min_runs: config.offPathMinRuns,
    chars_per_token: config.charsPerToken,
  };
}
