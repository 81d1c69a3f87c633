// tau-bench retail runs from Microsoft's AgentRx, with human failure labels for 24 of them.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReplayRun } from "../replay.ts";
import { type ChatMessage, chatSteps } from "./openai-chat.ts";

export const TAU_RETAIL = "tau-retail";

interface RetailRun {
  task_id: number;
  reward: number;
  trial: number;
  traj: ChatMessage[];
  /** Its position in the full corpus, kept by the reduced copies the tests use. */
  index?: number;
}

/** A person's reading of where a run went wrong: `step` is the message index + 1. */
export interface FailureLabel {
  runId: string;
  step: number;
  category: string;
  reason: string;
}

export const retailRunId = (index: number) => `tau-retail-${index}`;

export async function loadTauRetail(dir: string): Promise<ReplayRun[]> {
  const runs = JSON.parse(await readFile(join(dir, "tau_retail_runs.json"), "utf8")) as RetailRun[];
  return runs.map((run, index) => ({
    corpus: TAU_RETAIL,
    runId: retailRunId(run.index ?? index),
    caseId: `retail/${run.task_id}`,
    outcome: run.reward === 1 ? "success" : "failure",
    steps: chatSteps(run.traj),
  }));
}

export async function loadTauRetailLabels(dir: string): Promise<FailureLabel[]> {
  const truth = JSON.parse(await readFile(join(dir, "ground_truth.json"), "utf8")) as {
    trajectory_id: number;
    failures: { step_number: number; failure_category: string; step_reason: string }[];
  }[];
  return truth.flatMap((t) =>
    t.failures.map((f) => ({
      runId: retailRunId(t.trajectory_id),
      step: f.step_number,
      category: f.failure_category,
      reason: f.step_reason,
    })),
  );
}
