/** The parts of a validation error (zod's) that a message needs; structural, so no zod here. */
export interface ValidationError {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}

/**
 * Where the first problem is (a dotted path, or `whole` when it is the value itself) and what
 * is wrong with it: every edge that validates input says it in the same words.
 */
export function firstIssue(error: ValidationError, whole: string): { where: string; message: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { where: whole, message: "is not valid" };
  return {
    where: issue.path.length === 0 ? whole : issue.path.map(String).join("."),
    message: issue.message,
  };
}
