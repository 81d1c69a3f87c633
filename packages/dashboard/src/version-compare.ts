// Did the last release get better or worse? Each version of a workflow against the one before
// it, decided as the CI gate decides (the same bootstrap interval of tokens per success).
import { buildBaseline, check, type RunTotal, type WorkflowCheck } from "@leantrace/gate";

export interface VersionStep {
  version: string;
  previous: string;
  check: WorkflowCheck;
}

/** Versions in release order: numeric parts compared as numbers (1.10 after 1.9). */
export const compareVersions = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

export function versionSteps(runs: readonly RunTotal[]): VersionStep[] {
  const byVersion = new Map<string, RunTotal[]>();
  for (const run of runs) byVersion.set(run.version, [...(byVersion.get(run.version) ?? []), run]);
  const versions = [...byVersion.keys()].filter((v) => v !== "").sort(compareVersions);
  const steps: VersionStep[] = [];
  for (let i = 1; i < versions.length; i++) {
    const previous = versions[i - 1] as string;
    const version = versions[i] as string;
    const result = check(buildBaseline(byVersion.get(previous) ?? []), byVersion.get(version) ?? []);
    const workflow = result.workflows[0];
    if (workflow !== undefined) steps.push({ version, previous, check: workflow });
  }
  return steps;
}
