// tau2-bench customer-service simulations (airline, telecom): an agent LLM talks to a simulated
// user and calls the domain's tools. Each assistant message is an LLM call with its usage; its
// tool calls run in order and their results follow as tool messages. The simulated user's own
// messages and device tools (telecom) are the world the agent talks to, not the agent's steps.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Message, ReplayRun, ReplayStep } from "../replay.ts";

export const TAU2 = "tau2-customer-service";

interface Tau2Message {
  role: string;
  content: string | null;
  id?: string;
  requestor?: string;
  error?: boolean;
  tool_calls?: { id: string; name: string; arguments: unknown; requestor?: string }[] | null;
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
}

interface Simulation {
  id: string;
  task_id: string;
  trial: number;
  reward_info?: { reward?: number } | null;
  messages: Tau2Message[];
}

interface SimulationFile {
  info?: { agent_info?: { llm?: string } };
  simulations: Simulation[];
}

/** What the agent was sent: the conversation so far, tool calls and results as text. */
function asMessage(message: Tau2Message): Message {
  return {
    role: message.role,
    content: message.tool_calls
      ? { text: message.content ?? "", tool_calls: message.tool_calls }
      : (message.content ?? ""),
  };
}

export function simulationSteps(messages: readonly Tau2Message[]): ReplayStep[] {
  const steps: ReplayStep[] = [];
  const history: Message[] = [];
  const results = new Map(
    messages.flatMap((m, i) => (m.role === "tool" && m.id !== undefined ? [[m.id, [m, i] as const]] : [])),
  );
  for (const [i, message] of messages.entries()) {
    // The greeting is scripted: no LLM call made it.
    if (message.role === "assistant" && message.usage) {
      const calls = message.tool_calls ?? [];
      steps.push({
        type: "llm",
        source: i,
        input: [...history],
        output: asMessage(message).content,
        usage: { inputTokens: message.usage.prompt_tokens, outputTokens: message.usage.completion_tokens },
      });
      for (const call of calls) {
        const [answer] = results.get(call.id) ?? [];
        steps.push({
          type: "tool",
          source: i,
          name: call.name,
          args: call.arguments,
          result: answer?.content ?? "",
          ...(answer?.error ? { failed: (answer.content ?? "error").slice(0, 200) } : {}),
        });
      }
    }
    history.push(asMessage(message));
  }
  return steps;
}

/** Every simulation of every file in `dir` (tau2's `simulations/*.json`). */
export async function loadTau2(dir: string): Promise<ReplayRun[]> {
  const folder = (await readdir(dir)).includes("simulations") ? join(dir, "simulations") : dir;
  const runs: ReplayRun[] = [];
  for (const file of (await readdir(folder)).filter((f) => f.endsWith(".json")).sort()) {
    const data = JSON.parse(await readFile(join(folder, file), "utf8")) as SimulationFile;
    const domain = /_(airline|telecom-workflow|telecom|retail)_/.exec(file)?.[1] ?? "unknown";
    const model = data.info?.agent_info?.llm;
    for (const simulation of data.simulations) {
      runs.push({
        corpus: TAU2,
        runId: simulation.id,
        caseId: `${domain}/${simulation.task_id}`,
        outcome: simulation.reward_info?.reward === 1 ? "success" : "failure",
        ...(model === undefined ? {} : { model }),
        steps: simulationSteps(simulation.messages),
      });
    }
  }
  return runs;
}
