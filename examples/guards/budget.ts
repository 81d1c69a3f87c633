// A run's token budget, offline: a simulated research agent keeps asking its model for more,
// each call about 1,200 tokens; under a 5,000-token budget the guard refuses the call that would
// pass the limit before the model is called, and the `onExceeded` handler answers instead,
// telling the agent to finish with what it has. Then the same agent without a handler: the run
// stops with a BudgetExceededError. Run: `npx -y pnpm@10 exec tsx examples/guards/budget.ts`.
import { BudgetExceededError, llm, workflow } from "@leantrace/sdk";

/** A stand-in for a chat model: OpenAI-shaped answers with their token counts. */
function simulatedModel(question: string, turn: number) {
  return {
    model: "sim-4o",
    choices: [{ message: { role: "assistant", content: `notes on ${question}, part ${turn}` } }],
    usage: { prompt_tokens: 1000 + 10 * turn, completion_tokens: 200 },
  };
}

async function research(question: string): Promise<string[]> {
  const notes: string[] = [];
  for (let turn = 1; turn <= 10; turn++) {
    const answer = await llm({ model: "sim-4o", input: [{ role: "user", content: question }] }, () =>
      simulatedModel(question, turn),
    );
    const text = typeof answer === "string" ? answer : answer.choices[0]?.message.content;
    notes.push(text ?? "");
    if (typeof answer === "string") break; // the guard's message: finish now
  }
  return notes;
}

const notes = await workflow("research", () => research("tides"), {
  budget: {
    maxTokens: 5000,
    onExceeded: (info) =>
      `FINISH: ${info.remaining} of ${info.limit} tokens left; answer with what you have.`,
  },
});
console.log(`with onExceeded: ${notes.length} turns, the last one: ${notes.at(-1)}`);

try {
  await workflow("research", () => research("tides"), { budget: { maxTokens: 5000 } });
} catch (error) {
  if (!(error instanceof BudgetExceededError)) throw error;
  console.log(
    `without a handler: ${error.name} after ${error.used} tokens (limit ${error.limit}, next call ${error.requested})`,
  );
}
