// Replays real mini-swe-agent runs through @leantrace/sdk: each assistant message becomes an
// LLM step carrying the provider's real token counts, each bash command it ran a tool step,
// and the run's outcome is whether SWE-bench judged its patch to resolve the task.
import { readdir, readFile } from "node:fs/promises";
import { llm, tool, workflow } from "@leantrace/sdk";

const DATA_DIR = new URL("./data/", import.meta.url);

interface TrajectoryMessage {
  role: "system" | "user" | "assistant";
  content: string;
  extra?: { response?: { model?: string; usage?: Record<string, unknown> } };
}

export interface Trajectory {
  instanceId: string;
  resolved: boolean;
  messages: TrajectoryMessage[];
}

/** The single fenced bash block of an assistant message: the command the agent ran. */
export function bashCommand(content: string): string | undefined {
  return /```bash\n([\s\S]*?)\n```/.exec(content)?.[1];
}

export async function loadTrajectories(dir: URL = DATA_DIR): Promise<Trajectory[]> {
  const outcomes = JSON.parse(await readFile(new URL("outcomes.json", dir), "utf8")) as {
    runs: { instance_id: string; resolved: boolean }[];
  };
  const resolved = new Map(outcomes.runs.map((r) => [r.instance_id, r.resolved]));
  const files = (await readdir(dir)).filter((f) => f.endsWith(".traj.json")).sort();
  return Promise.all(
    files.map(async (file) => {
      const instanceId = file.slice(0, -".traj.json".length);
      const data = JSON.parse(await readFile(new URL(file, dir), "utf8")) as {
        messages: TrajectoryMessage[];
      };
      return { instanceId, resolved: resolved.get(instanceId) ?? false, messages: data.messages };
    }),
  );
}

export const REPLAY_WORKFLOW = "mini-swe-agent";

/** What mini-swe-agent answers when a message does not hold exactly one command. */
const FORMAT_ERROR = "Please always provide EXACTLY ONE action";

/** Replays one run as one workflow run, with the task as its evaluation case. */
export async function replay(trajectory: Trajectory): Promise<void> {
  await workflow(
    REPLAY_WORKFLOW,
    async (run) => {
      const { messages } = trajectory;
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i] as TrajectoryMessage;
        if (message.role !== "assistant") continue;
        const response = message.extra?.response;
        await llm({ provider: "openrouter", input: messages.slice(0, i) }, () => ({
          ...response,
          choices: [{ message: { role: "assistant", content: message.content } }],
        }));
        const command = bashCommand(message.content);
        const observation = messages[i + 1];
        if (command !== undefined) {
          await tool("bash", { command }, (step) => {
            const output = observation?.content ?? "";
            if (output.startsWith("<returncode>") && !output.startsWith("<returncode>0<")) {
              step.span.setStatus({ code: 2, message: "non-zero exit" });
            } else if (output.includes(FORMAT_ERROR)) {
              // The agent's message was malformed: mini-swe-agent did not run the command.
              step.span.setStatus({ code: 2, message: "not run: malformed action" });
            }
            return observation?.content;
          });
        }
      }
      run.setOutcome(trajectory.resolved ? "success" : "failure");
    },
    // Each recorded run is one task: its instance id names the run and the case.
    { runId: trajectory.instanceId, caseId: trajectory.instanceId },
  );
}
