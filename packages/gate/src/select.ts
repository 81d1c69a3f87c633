import { z } from "zod";

/** Which runs on a collector are "current": all conditions given must hold. */
export const runSelectionSchema = z.object({
  ciRunId: z.string().max(256).optional(),
  version: z.string().max(256).optional(),
  /** ISO 8601 times: runs that started in [since, until). */
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  workflow: z.string().max(1000).optional(),
});
export type RunSelection = z.infer<typeof runSelectionSchema>;

const KEYS: Record<string, keyof RunSelection> = {
  ci_run_id: "ciRunId",
  "leantrace.ci.run_id": "ciRunId",
  version: "version",
  "service.version": "version",
  since: "since",
  until: "until",
  workflow: "workflow",
};

export class SelectionError extends Error {
  override readonly name = "SelectionError";
}

/** `--select ci_run_id=123 --select since=2026-11-01T00:00:00Z` → a selection. */
export function parseSelection(expressions: readonly string[]): RunSelection {
  const selection: Record<string, string> = {};
  for (const expression of expressions) {
    const at = expression.indexOf("=");
    const key = KEYS[at < 0 ? expression : expression.slice(0, at)];
    if (at < 0 || key === undefined) {
      throw new SelectionError(
        `--select ${JSON.stringify(expression)} is not valid: expected ci_run_id=ID, version=V, since=TIME, until=TIME or workflow=NAME`,
      );
    }
    selection[key] = expression.slice(at + 1);
  }
  const parsed = runSelectionSchema.safeParse(selection);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SelectionError(
      `--select ${issue?.path.join(".")}: ${issue?.message} (times are ISO 8601, e.g. 2026-11-24T00:00:00Z)`,
    );
  }
  return parsed.data;
}
