// teamBudget against the real collector: a budget set with `leantrace budgets set`, the team's
// spans exported by the SDK and metered there, and the guard reading `GET /api/v1/budgets`:
// it counts what the collector metered, refuses the step that would pass the limit, and refuses
// everything once the collector says the team is past it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BudgetExceededError, llm, teamBudget, workflow } from "@leantrace/sdk";
import { init } from "@leantrace/sdk/init";
import { type CollectorProcess, runCli, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let collector: CollectorProcess;
let sdk: ReturnType<typeof init>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-team-budget-"));
  collector = await spawnCollector(storeFlags(dir));
  const set = await runCli([
    "budgets",
    "set",
    "--endpoint",
    collector.url,
    "--team",
    "research",
    "--monthly-tokens",
    "1000",
  ]);
  expect(set.code, set.stderr).toBe(0);
  // The team is read from the span, else its resource: every span of this process is the team's.
  process.env.OTEL_RESOURCE_ATTRIBUTES = "leantrace.team=research";
  sdk = init({ endpoint: collector.url, serviceName: "team-budget-test", exportDelayMillis: 50 });
}, 120_000);

afterAll(async () => {
  await sdk?.shutdown();
  await collector?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const answer = (tokens: number) => () => ({
  choices: [{ message: { content: "ok" } }],
  usage: { prompt_tokens: tokens - 50, completion_tokens: 50 },
});

/** One run of the research team (the resource says so). */
function researchRun(
  budget: ReturnType<typeof teamBudget>,
  tokens: number,
  estimate: number,
): Promise<unknown> {
  return workflow("research", () => llm({ model: "m-e2e", estimate: { tokens: estimate } }, answer(tokens)), {
    budget,
  });
}

async function meteredTokens(): Promise<number> {
  const response = await fetch(new URL("/api/v1/budgets", collector.url));
  const body = (await response.json()) as { budgets: { team: string; usedTokens: number }[] };
  return body.budgets.find((b) => b.team === "research")?.usedTokens ?? 0;
}

describe("teamBudget with the real collector", () => {
  it("reads what the collector metered, and stops the team at its hard limit", async () => {
    const first = teamBudget({ team: "research", endpoint: collector.url });
    for (let i = 0; i < 3; i++) await researchRun(first, 300, 300);
    await sdk.forceFlush();
    // Metered as spans land (every few seconds): wait until the collector counts all three.
    for (let i = 0; i < 100 && (await meteredTokens()) < 900; i++) await sleep(200);
    expect(await meteredTokens()).toBe(900);

    // A guard in another process would start from the collector's figure alone.
    const fresh = teamBudget({ team: "research", endpoint: collector.url });
    const refused = await researchRun(fresh, 100, 200).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect(refused).toMatchObject({ scope: "team:research", limit: 1000, used: 900, requested: 200 });
    expect(fresh.state?.[0]).toMatchObject({
      team: "research",
      period: "month",
      limitTokens: 1000,
      usedTokens: 900,
    });

    // 100 fits; past it, the collector says hard_exceeded and nothing more goes.
    await researchRun(fresh, 150, 100);
    await sdk.forceFlush();
    for (let i = 0; i < 100 && (await meteredTokens()) < 1050; i++) await sleep(200);
    const after = teamBudget({ team: "research", endpoint: collector.url });
    await expect(researchRun(after, 1, 1)).rejects.toMatchObject({ scope: "team:research", used: 1050 });
    expect(after.state?.[0]?.state).toBe("hard_exceeded");
  }, 120_000);
});
