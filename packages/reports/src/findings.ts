import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";
import { timeWindowSchema, windowParams } from "./time-window.ts";

export const FINDING_KINDS = ["loop", "repeated_retrieval", "extraneous"] as const;
export const FINDING_CONFIDENCES = ["certain", "suggestion"] as const;

export const findingSchema = z.object({
  /** Stable while the run's analysis stands; pages are ordered by wasted tokens, then id. */
  id: z.string(),
  runId: z.string(),
  workflow: z.string(),
  /** The run's `service.version` ("" when none was set). */
  version: z.string(),
  kind: z.enum(FINDING_KINDS),
  pattern: z.string(),
  /** `certain` is counted as waste; a `suggestion` is listed, never counted. */
  confidence: z.enum(FINDING_CONFIDENCES),
  /** Every span involved: the earlier call a repeat repeats, the repeats, the LLM calls that chose them. */
  spanIds: z.array(z.string()),
  /** The spans wasted, and the tokens of each that were wasted (same order). */
  wastedSpanIds: z.array(z.string()),
  wastedSpanTokens: z.array(z.number()),
  wastedTokens: z.number(),
  /** US dollars; null when none of the wasted steps has a known price. */
  wastedCost: z.number().nullable(),
  /** What later LLM calls paid to carry the wasted steps' messages in their prompts. */
  carriedTokens: z.number(),
  /** The run recorded no per-message input fingerprints: carriedTokens assumes a full history. */
  carriedEstimated: z.union([z.boolean(), z.number()]).transform(Boolean).pipe(z.boolean()),
  explanation: z.string(),
});

export const findingsSchema = z.object({
  findings: z.array(findingSchema),
  /** Pass it as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type Finding = z.infer<typeof findingSchema>;
export type Findings = z.infer<typeof findingsSchema>;

interface Cursor {
  wasted: number;
  id: string;
}

const cursorSchema = z
  .string()
  .max(200)
  .transform((text, ctx): Cursor => {
    try {
      const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
      if (
        Array.isArray(value) &&
        Number.isSafeInteger(value[0]) &&
        value[0] >= 0 &&
        typeof value[1] === "string" &&
        /^[0-9a-f]{1,16}$/.test(value[1])
      ) {
        return { wasted: value[0], id: value[1] };
      }
    } catch {
      // Reported below, like any other cursor that was not ours.
    }
    ctx.addIssue({ code: "custom", message: "is not a cursor this API returned" });
    return z.NEVER;
  });

function encodeCursor(finding: Finding): string {
  return Buffer.from(JSON.stringify([finding.wastedTokens, finding.id])).toString("base64url");
}

export const findingsFilterSchema = timeWindowSchema.extend({
  workflow: z.string().max(1000).optional(),
  run: z.string().max(256).optional(),
  version: z.string().max(256).optional(),
  kind: z.enum(FINDING_KINDS).optional(),
  pattern: z.string().max(100).optional(),
  confidence: z.enum(FINDING_CONFIDENCES).optional(),
  /** @default 100 */
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
  cursor: cursorSchema.optional(),
});
export type FindingsFilter = z.infer<typeof findingsFilterSchema>;
/** The filter as a caller writes it (a cursor still in its text form). */
export type FindingsQuery = z.input<typeof findingsFilterSchema>;

export const DEFAULT_FINDINGS_LIMIT = 100;

const loadSql = sqlFiles(new URL("../sql/", import.meta.url));
const FINDINGS_SQL = loadSql("findings");
const SUMMARY_SQL = loadSql("findings-summary");

export async function listFindings(
  store: Store,
  project: string,
  filter: FindingsFilter = {},
): Promise<Findings> {
  const limit = filter.limit ?? DEFAULT_FINDINGS_LIMIT;
  const rows = await store.select(FINDINGS_SQL, {
    project,
    workflow: filter.workflow ?? "",
    run: filter.run ?? "",
    version: filter.version ?? "",
    ...windowParams(filter),
    kind: filter.kind ?? "",
    pattern: filter.pattern ?? "",
    confidence: filter.confidence ?? "",
    after_wasted: filter.cursor?.wasted ?? 0,
    after_id: filter.cursor?.id ?? "",
    // One more than asked tells whether another page follows.
    limit: limit + 1,
  });
  const findings = z.array(findingSchema).parse(rows);
  const page = findings.slice(0, limit);
  const last = page.at(-1);
  return { findings: page, nextCursor: findings.length > limit && last ? encodeCursor(last) : null };
}

export const findingsSummaryRowSchema = z.object({
  kind: z.enum(FINDING_KINDS),
  pattern: z.string(),
  confidence: z.enum(FINDING_CONFIDENCES),
  findings: z.number(),
  runs: z.number(),
  wastedTokens: z.number(),
  carriedTokens: z.number(),
});
export const findingsSummarySchema = z.object({ patterns: z.array(findingsSummaryRowSchema) });
export type FindingsSummary = z.infer<typeof findingsSummarySchema>;

/** Per kind, pattern and confidence: findings, runs, and the tokens they name. */
export async function summariseFindings(
  store: Store,
  project: string,
  filter: Pick<FindingsFilter, "workflow" | "run" | "kind" | "since" | "until"> = {},
): Promise<FindingsSummary> {
  const rows = await store.select(SUMMARY_SQL, {
    project,
    workflow: filter.workflow ?? "",
    run: filter.run ?? "",
    kind: filter.kind ?? "",
    ...windowParams(filter),
  });
  return { patterns: z.array(findingsSummaryRowSchema).parse(rows) };
}

/** The workflows that have current findings: what a findings filter can choose from. */
export async function findingWorkflows(store: Store, project: string): Promise<string[]> {
  const rows = await store.select<{ workflow: string }>(
    "SELECT DISTINCT workflow FROM {db:Identifier}.current_findings WHERE project = {project:String} ORDER BY workflow",
    { project },
  );
  return rows.map((r) => r.workflow);
}
