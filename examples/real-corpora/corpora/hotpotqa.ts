// Search agents answering HotpotQA questions (AgentProcessBench), with a person's label on every
// assistant step: 1 helpful, 0 neutral, -1 harmful. No licence is stated for this corpus: it is
// read from where the user keeps it and never copied into the repository.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReplayRun } from "../replay.ts";
import { type ChatMessage, chatSteps } from "./openai-chat.ts";

export const HOTPOTQA = "hotpotqa-search";

interface HotpotRun {
  total_index: number;
  query_index: number;
  final_label: number;
  messages: ChatMessage[];
  step_labels: Record<string, number>;
}

export const hotpotRunId = (index: number) => `hotpotqa-${index}`;

/** Per run, per message index: the person's label of that step. */
export type StepLabels = Map<string, Map<number, number>>;

async function rows(dir: string): Promise<HotpotRun[]> {
  const text = await readFile(join(dir, "hotpotqa_dev.jsonl"), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as HotpotRun);
}

export async function loadHotpotqa(dir: string): Promise<ReplayRun[]> {
  return (await rows(dir)).map((run) => ({
    corpus: HOTPOTQA,
    runId: hotpotRunId(run.total_index),
    caseId: `hotpotqa/${run.query_index}`,
    outcome: run.final_label === 1 ? "success" : "failure",
    steps: chatSteps(run.messages, { searchTools: new Set(["search"]), dataSource: "wikipedia" }),
  }));
}

export async function loadHotpotqaLabels(dir: string): Promise<StepLabels> {
  const labels: StepLabels = new Map();
  for (const run of await rows(dir)) {
    labels.set(
      hotpotRunId(run.total_index),
      new Map(Object.entries(run.step_labels).map(([index, label]) => [Number(index), label])),
    );
  }
  return labels;
}
