// mini-swe-agent on SWE-bench (a coding agent with one bash tool). Each assistant message is an
// LLM call with the provider's usage; the harness runs its one ```bash block and answers with
// the output, or refuses the turn ("Please always provide EXACTLY ONE action ...") and runs
// nothing. The outcome is whether SWE-bench judged the patch to resolve the task.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Message, ReplayRun, ReplayStep } from "../replay.ts";

export const MINI_SWE_AGENT = "mini-swe-agent";

interface TrajectoryMessage {
  role: string;
  content: string;
  extra?: { response?: Record<string, unknown> };
}

/** The harness's answer to a turn without exactly one command. */
const FORMAT_ERROR = "Please always provide EXACTLY ONE action";
const BASH_BLOCK = /```bash\n([\s\S]*?)\n```/g;

/** The fenced bash blocks of an assistant message. */
export function bashCommands(content: string): string[] {
  return [...content.matchAll(BASH_BLOCK)].map((m) => m[1] as string);
}

/** One trajectory as the steps a live trace would have recorded. */
export function trajectorySteps(messages: readonly TrajectoryMessage[]): ReplayStep[] {
  const steps: ReplayStep[] = [];
  const history: Message[] = [];
  for (const [i, message] of messages.entries()) {
    if (message.role === "assistant") {
      const answer = messages[i + 1];
      const refused = answer?.content.startsWith(FORMAT_ERROR) ? answer.content.split("\n")[0] : undefined;
      steps.push({
        type: "llm",
        source: i,
        input: [...history],
        output: message.content,
        ...(message.extra?.response === undefined ? {} : { response: message.extra.response }),
        ...(refused === undefined ? {} : { rejected: `refused by the harness: ${refused}` }),
      });
      const [command] = bashCommands(message.content);
      if (refused === undefined && command !== undefined) {
        const output = answer?.content ?? "";
        const code = /^<returncode>(-?\d+)<\/returncode>/.exec(output)?.[1];
        steps.push({
          type: "tool",
          source: i,
          name: "bash",
          args: { command },
          result: output,
          ...(code !== undefined && code !== "0" ? { failed: `exit code ${code}` } : {}),
        });
      }
    }
    history.push({ role: message.role, content: message.content });
  }
  return steps;
}

/** The runs of a folder holding `outcomes.json` and `*.traj.json` files (directly or under `trajs/`). */
export async function loadMiniSweAgent(dir: string): Promise<ReplayRun[]> {
  const outcomes = JSON.parse(await readFile(join(dir, "outcomes.json"), "utf8")) as {
    runs: { instance_id: string; resolved: boolean }[];
  };
  const resolved = new Map(outcomes.runs.map((r) => [r.instance_id, r.resolved]));
  const names = await readdir(dir);
  const trajDir = names.includes("trajs") ? join(dir, "trajs") : dir;
  const files = (await readdir(trajDir)).filter((f) => f.endsWith(".traj.json")).sort();
  return Promise.all(
    files.map(async (file): Promise<ReplayRun> => {
      const instanceId = file.slice(0, -".traj.json".length);
      const { messages } = JSON.parse(await readFile(join(trajDir, file), "utf8")) as {
        messages: TrajectoryMessage[];
      };
      return {
        corpus: MINI_SWE_AGENT,
        runId: instanceId,
        caseId: instanceId,
        outcome: resolved.get(instanceId) ? "success" : "failure",
        provider: "openrouter",
        steps: trajectorySteps(messages),
      };
    }),
  );
}
