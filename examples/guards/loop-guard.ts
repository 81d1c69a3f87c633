// The loop guard, offline: a simulated coding agent keeps reading the same file, which nothing
// changes, and the guard stops it at the second identical read, the step the analyzers would
// flag as a loop. Then the same agent with `onLoop`: the agent is told it is repeating itself
// and moves on. Run: `npx -y pnpm@10 exec tsx examples/guards/loop-guard.ts`.
import { LoopDetectedError, llm, tool, workflow } from "@leantrace/sdk";

const FILES: Record<string, string> = { "src/app.py": "def main():\n    print(1)\n" };

async function stuckAgent(): Promise<string> {
  for (let turn = 1; turn <= 8; turn++) {
    await llm({ model: "sim-4o" }, () => ({
      choices: [{ message: { content: "Let me look at src/app.py." } }],
      usage: { prompt_tokens: 800 + 150 * turn, completion_tokens: 30 },
    }));
    const content = await tool("read_file", { path: "src/app.py" }, () => FILES["src/app.py"]);
    if (content?.startsWith("NOTE")) return `moved on after ${turn} reads`;
  }
  return "gave up after 8 reads";
}

try {
  await workflow("fix-bug", stuckAgent, { loopGuard: true });
} catch (error) {
  if (!(error instanceof LoopDetectedError)) throw error;
  console.log(
    `loopGuard: true -> ${error.name}: ${error.pattern} of ${error.toolName}, ${error.calls} calls`,
  );
}

const outcome = await workflow("fix-bug", stuckAgent, {
  loopGuard: {
    onLoop: (info) => `NOTE: you already read this ${info.calls - 1} time(s) and nothing changed it.`,
  },
});
console.log(`loopGuard with onLoop -> ${outcome}`);
