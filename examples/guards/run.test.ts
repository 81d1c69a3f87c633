// The guard examples run as a user runs them: their own process, offline, no collector.
import { fileURLToPath } from "node:url";
import { runCommand } from "@leantrace/testing";
import { describe, expect, it } from "vitest";

async function run(name: string): Promise<string[]> {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const result = await runCommand(process.execPath, ["--import", "tsx", file]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim().split("\n");
}

describe("examples/guards", () => {
  it("budget: the handler ends the run inside its budget; without one the run stops", async () => {
    expect(await run("budget")).toEqual([
      "with onExceeded: 5 turns, the last one: FINISH: 100 of 5000 tokens left; answer with what you have.",
      "without a handler: BudgetExceededError after 4900 tokens (limit 5000, next call 1225)",
    ]);
  }, 60_000);

  it("loop-guard: stopped at the second identical read, or told and moved on", async () => {
    expect(await run("loop-guard")).toEqual([
      "loopGuard: true -> LoopDetectedError: repeat of read_file, 2 calls",
      "loopGuard with onLoop -> moved on after 2 reads",
    ]);
  }, 60_000);
});
