import { type Store, sqlFiles } from "@leantrace/storage";
import { z } from "zod";

export const FINDING_KINDS = ["loop", "repeated_retrieval", "extraneous"] as const;

export const findingSchema = z.object({
  runId: z.string(),
  workflow: z.string(),
  kind: z.enum(FINDING_KINDS),
  pattern: z.string(),
  /** `certain`, or `suggestion` for off-path steps, which are never counted as waste. */
  confidence: z.enum(["certain", "suggestion"]),
  spanIds: z.array(z.string()),
  wastedTokens: z.number(),
  /** US dollars; null when none of the wasted steps has a known price. */
  wastedCost: z.number().nullable(),
  explanation: z.string(),
});

export const findingsSchema = z.object({ findings: z.array(findingSchema) });
export type Finding = z.infer<typeof findingSchema>;
export type Findings = z.infer<typeof findingsSchema>;

export const findingsFilterSchema = z.object({
  workflow: z.string().max(1000).optional(),
  run: z.string().max(256).optional(),
  kind: z.enum(FINDING_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
});
export type FindingsFilter = z.infer<typeof findingsFilterSchema>;

const FINDINGS_SQL = sqlFiles(new URL("../sql/", import.meta.url))("findings");

export async function listFindings(
  store: Store,
  project: string,
  filter: FindingsFilter = {},
): Promise<Findings> {
  const rows = await store.select(FINDINGS_SQL, {
    project,
    workflow: filter.workflow ?? "",
    run: filter.run ?? "",
    kind: filter.kind ?? "",
    limit: filter.limit ?? 1000,
  });
  return findingsSchema.parse({ findings: rows });
}
