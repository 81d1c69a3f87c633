// The budget guard with real spans: an agent stopped past its limit, steps racing at the limit,
// reservations replaced by what was spent, the handler, and a team's state read over HTTP from a
// small server that answers as the collector's `GET /api/v1/budgets` is documented to.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ATTR_LEANTRACE_GUARD_BUDGET,
  ATTR_LEANTRACE_GUARD_LIMIT,
  ATTR_LEANTRACE_GUARD_REQUESTED,
  ATTR_LEANTRACE_GUARD_RESERVED,
  ATTR_LEANTRACE_GUARD_SCOPE,
  ATTR_LEANTRACE_GUARD_USED,
  EVENT_LEANTRACE_GUARD_BUDGET,
} from "@leantrace/conventions/attributes";
import { SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  BudgetExceededError,
  type BudgetExceededInfo,
  createBudget,
  resetCallHistory,
  type TeamBudgetState,
  teamBudget,
} from "./budget.ts";
import { llm, workflow } from "./wrappers.ts";

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
});
afterEach(() => {
  exporter.reset();
  resetCallHistory();
});

/** A model that answers after `delayMillis`, spending `tokens` (60% input), and counts its calls. */
function fakeModel(tokens: number, delayMillis = 0) {
  const model = {
    calls: 0,
    answer: async () => {
      model.calls += 1;
      if (delayMillis > 0) await sleep(delayMillis);
      const input = Math.round(tokens * 0.6);
      return {
        model: "m",
        choices: [{ message: { role: "assistant", content: `answer ${model.calls}` } }],
        usage: { prompt_tokens: input, completion_tokens: tokens - input },
      };
    },
  };
  return model;
}

describe("a run's budget", () => {
  it("stops an agent past its hard limit, before calling the model", async () => {
    const model = fakeModel(300);
    const error = await workflow(
      "agent",
      async () => {
        for (let turn = 0; turn < 10; turn++) await llm({ model: "m-stop" }, model.answer);
      },
      { budget: { maxTokens: 1000 } },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    // 300 + 300 + 300 spent; the fourth would reserve the average (300) and pass 1000.
    expect(model.calls).toBe(3);
    expect(error).toMatchObject({
      scope: "run",
      unit: "tokens",
      limit: 1000,
      used: 900,
      reserved: 0,
      requested: 300,
    });

    const refused = exporter
      .getFinishedSpans()
      .filter((s) => s.attributes[ATTR_LEANTRACE_GUARD_BUDGET] === "exceeded");
    expect(refused).toHaveLength(1);
    const span = refused[0];
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    const event = span?.events.find((e) => e.name === EVENT_LEANTRACE_GUARD_BUDGET);
    expect(event?.attributes).toMatchObject({
      [ATTR_LEANTRACE_GUARD_SCOPE]: "run",
      [ATTR_LEANTRACE_GUARD_LIMIT]: 1000,
      [ATTR_LEANTRACE_GUARD_USED]: 900,
      [ATTR_LEANTRACE_GUARD_RESERVED]: 0,
      [ATTR_LEANTRACE_GUARD_REQUESTED]: 300,
    });
    // The refused step spent nothing: no tokens on its span.
    expect(span?.attributes["gen_ai.usage.input_tokens"]).toBeUndefined();
  });

  it("lets no more than one reservation past the limit when 20 steps race at it", async () => {
    const model = fakeModel(100, 5);
    const budget = createBudget({ maxTokens: 1000 });
    const outcomes = await workflow(
      "race",
      async () => {
        await llm({ model: "m-race" }, model.answer); // 100 spent; the average is now 100
        return Promise.allSettled(Array.from({ length: 20 }, () => llm({ model: "m-race" }, model.answer)));
      },
      { budget },
    );
    const refused = outcomes.filter((o) => o.status === "rejected");
    // 100 spent + 9 reservations of 100 = 1000: the tenth would pass the limit.
    expect(model.calls).toBe(10);
    expect(refused).toHaveLength(11);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(BudgetExceededError);
    expect(budget.used.tokens).toBe(1000);
  });

  it("runs a model's first call alone when nothing says what it costs, then reserves its usage", async () => {
    const model = fakeModel(100, 5);
    const budget = createBudget({ maxTokens: 1000 });
    const outcomes = await workflow(
      "race-cold",
      () => Promise.allSettled(Array.from({ length: 20 }, () => llm({ model: "m-cold" }, model.answer))),
      { budget },
    );
    // Reserving nothing for 20 unknown calls would let all 20 through (2000 tokens).
    expect(model.calls).toBe(10);
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(10);
    expect(budget.used.tokens).toBe(1000);
  });

  it("replaces the reservation by what the step really spent", async () => {
    const budget2 = createBudget({ maxTokens: 1000 });
    let release: () => void = () => {};
    const result = await workflow(
      "estimates-2",
      async () => {
        const first = llm({ model: "m-est2", estimate: { tokens: 600 } }, async () => {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { usage: { input_tokens: 100, output_tokens: 0 } };
        });
        await sleep(1);
        const refused = await llm({ model: "m-est2", estimate: { tokens: 500 } }, () => "never").catch(
          (e: unknown) => e,
        );
        release();
        await first;
        const usedAfterFirst = budget2.used.tokens;
        const passed = await llm({ model: "m-est2", estimate: { tokens: 500 } }, () => ({
          usage: { input_tokens: 450, output_tokens: 20 },
        }));
        return { refused, usedAfterFirst, passed };
      },
      { budget: budget2 },
    );
    expect(result.refused).toMatchObject({ used: 0, reserved: 600, requested: 500, limit: 1000 });
    expect(result.usedAfterFirst).toBe(100);
    expect(budget2.used.tokens).toBe(570);
  });

  it("calls the handler instead of the model, and uses what it returns", async () => {
    const model = fakeModel(400);
    const seen: BudgetExceededInfo[] = [];
    const answers = await workflow(
      "handler",
      async () => {
        const out: unknown[] = [];
        for (let turn = 0; turn < 4; turn++) {
          out.push(await llm({ model: "m-handler" }, model.answer));
        }
        return out;
      },
      {
        budget: {
          maxTokens: 1000,
          onExceeded: (info) => {
            seen.push(info);
            return `You have ${info.remaining} tokens left: finish now with what you have.`;
          },
        },
      },
    );
    expect(model.calls).toBe(2);
    expect(answers.slice(2)).toEqual([
      "You have 200 tokens left: finish now with what you have.",
      "You have 200 tokens left: finish now with what you have.",
    ]);
    expect(seen[0]).toMatchObject({
      scope: "run",
      reason: "limit",
      used: 800,
      requested: 400,
      remaining: 200,
    });
    const refused = exporter
      .getFinishedSpans()
      .filter((s) => s.attributes[ATTR_LEANTRACE_GUARD_BUDGET] === "exceeded");
    expect(refused).toHaveLength(2);
    // Not an error: the handler answered.
    expect(refused.every((s) => s.status.code !== SpanStatusCode.ERROR)).toBe(true);
    expect(refused.every((s) => s.events.some((e) => e.name === EVENT_LEANTRACE_GUARD_BUDGET))).toBe(true);
  });

  it("limits cost with a price function", async () => {
    const model = fakeModel(1000);
    const error = await workflow(
      "cost",
      async () => {
        for (let turn = 0; turn < 10; turn++) await llm({ model: "m-cost" }, model.answer);
      },
      {
        budget: {
          maxCost: 0.05,
          // $10 per million input tokens, $30 per million output tokens.
          price: ({ usage }) => ((usage.inputTokens ?? 0) * 10 + (usage.outputTokens ?? 0) * 30) / 1e6,
        },
      },
    ).catch((e: unknown) => e);
    // Each call: 600 * 10 + 400 * 30 = 18,000 / 1e6 = $0.018; two fit in $0.05, a third would not.
    expect(model.calls).toBe(2);
    expect(error).toMatchObject({ unit: "cost", limit: 0.05 });
    expect((error as BudgetExceededError).used).toBeCloseTo(0.036, 10);
  });

  it("is off by default", async () => {
    const model = fakeModel(1_000_000);
    await workflow("free", async () => {
      for (let turn = 0; turn < 5; turn++) await llm({ model: "m-free" }, model.answer);
    });
    expect(model.calls).toBe(5);
    expect(exporter.getFinishedSpans().some((s) => ATTR_LEANTRACE_GUARD_BUDGET in s.attributes)).toBe(false);
  });

  it("refuses options that cannot work", () => {
    expect(() => createBudget({ maxCost: 1 })).toThrow(/price/);
    expect(() => createBudget({ maxTokens: -1 })).toThrow(/maxTokens/);
  });
});

// --- a team's budget ---

/**
 * A stand-in for the collector's `GET /api/v1/budgets` (being built elsewhere): it answers the
 * documented shape with whatever `entries` holds, and counts the requests and the keys sent.
 */
class BudgetServer {
  entries: TeamBudgetState[] = [];
  requests = 0;
  keys: (string | undefined)[] = [];
  private server: Server | undefined;
  url = "";

  async start(port = 0): Promise<void> {
    this.server = createServer((request, response) => {
      if (request.url !== "/api/v1/budgets") {
        response.writeHead(404).end();
        return;
      }
      this.requests += 1;
      this.keys.push(request.headers.authorization);
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ budgets: this.entries }));
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }
}

function entry(team: string, changes: Partial<TeamBudgetState> = {}): TeamBudgetState {
  return {
    team,
    period: "month",
    limitTokens: 1000,
    usedTokens: 0,
    limitCost: null,
    usedCost: 0,
    state: "ok",
    ...changes,
  };
}

describe("a team's budget", () => {
  const server = new BudgetServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  afterEach(() => {
    server.requests = 0;
    server.keys = [];
    vi.restoreAllMocks();
  });

  it("refuses steps once the collector says the team is past its hard limit", async () => {
    server.entries = [
      entry("research", { usedTokens: 1200, state: "hard_exceeded" }),
      entry("support", { usedTokens: 0 }),
    ];
    const budget = teamBudget({ team: "research", endpoint: server.url, apiKey: "k-1" });
    const model = fakeModel(10);
    const error = await workflow(
      "t",
      () => llm({ model: "m-team", estimate: { tokens: 10 } }, model.answer),
      {
        budget,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ scope: "team:research", reason: "limit", limit: 1000, used: 1200 });
    expect(model.calls).toBe(0);
    expect(server.keys).toEqual(["Bearer k-1"]);

    // Another team's entry is not this team's.
    const other = teamBudget({ team: "support", endpoint: server.url });
    await workflow("t", () => llm({ model: "m-team", estimate: { tokens: 10 } }, model.answer), {
      budget: other,
    });
    expect(model.calls).toBe(1);
  });

  it("counts the reservations of 20 steps racing at the team's limit", async () => {
    server.entries = [entry("research", { usedTokens: 900 })];
    const budget = teamBudget({ team: "research", endpoint: server.url });
    const model = fakeModel(50, 5);
    const outcomes = await workflow(
      "t",
      () =>
        Promise.allSettled(
          Array.from({ length: 20 }, () =>
            llm({ model: "m-team-race", estimate: { tokens: 50 } }, model.answer),
          ),
        ),
      { budget },
    );
    // 900 used: two reservations of 50 reach 1000; the third would pass it.
    expect(model.calls).toBe(2);
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(18);
    // One request for all twenty: the first step waited for it, the others used it.
    expect(server.requests).toBe(1);
  });

  it("counts what this process spent since the state was read", async () => {
    server.entries = [entry("research", { usedTokens: 0 })];
    const budget = teamBudget({ team: "research", endpoint: server.url, refreshMillis: 60_000 });
    const model = fakeModel(300);
    const error = await workflow(
      "t",
      async () => {
        for (let turn = 0; turn < 10; turn++)
          await llm({ model: "m-team-local", estimate: { tokens: 300 } }, model.answer);
      },
      { budget },
    ).catch((e: unknown) => e);
    // The collector still says 0: the 900 this process spent are counted on top.
    expect(model.calls).toBe(3);
    expect(error).toMatchObject({ used: 900, limit: 1000 });
  });

  it("keeps the state for refreshMillis, then reads it again in the background", async () => {
    server.entries = [entry("research", { usedTokens: 0 })];
    const budget = teamBudget({ team: "research", endpoint: server.url, refreshMillis: 200 });
    const model = fakeModel(1);
    const step = () =>
      workflow("t", () => llm({ model: "m-team-refresh", estimate: { tokens: 1 } }, model.answer), {
        budget,
      });
    for (let i = 0; i < 5; i++) await step();
    expect(server.requests).toBe(1);

    server.entries = [entry("research", { usedTokens: 1000, state: "hard_exceeded" })];
    await step(); // still the cached state
    expect(model.calls).toBe(6);
    await sleep(250);
    await step(); // stale: passes on the cached state, and starts a refresh
    expect(model.calls).toBe(7);
    await sleep(50);
    expect(server.requests).toBe(2);
    await expect(step()).rejects.toBeInstanceOf(BudgetExceededError);
    expect(model.calls).toBe(7);
    expect(budget.state?.[0]?.state).toBe("hard_exceeded");
  });

  it("fails open while the collector is unreachable, with one warning, and closed when told", async () => {
    const down = new BudgetServer();
    await down.start();
    const port = down.port;
    await down.stop(); // nothing listens on this port now
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    const model = fakeModel(10);

    const open = teamBudget({ team: "research", endpoint: `http://127.0.0.1:${port}`, refreshMillis: 20 });
    for (let i = 0; i < 5; i++) {
      await workflow("t", () => llm({ model: "m-team-down", estimate: { tokens: 10 } }, model.answer), {
        budget: open,
      });
      await sleep(30);
    }
    expect(model.calls).toBe(5);
    const lines = warnings.mock.calls.map((c) => String(c[0])).filter((l) => l.includes("team research"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /could not be read from http:\/\/127\.0\.0\.1:\d+\/api\/v1\/budgets \(ECONNREFUSED\); steps are let through/,
    );

    const closed = teamBudget({ team: "research", endpoint: `http://127.0.0.1:${port}`, failOpen: false });
    const error = await workflow(
      "t",
      () => llm({ model: "m-team-down", estimate: { tokens: 10 } }, model.answer),
      {
        budget: closed,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({ reason: "unavailable", scope: "team:research" });
    expect(model.calls).toBe(5);

    // The collector comes back: its state is read again and applies.
    const back = new BudgetServer();
    back.entries = [entry("research", { usedTokens: 5000, state: "hard_exceeded" })];
    await back.start(port);
    try {
      await sleep(30);
      await workflow("t", () => llm({ model: "m-team-down", estimate: { tokens: 10 } }, model.answer), {
        budget: open,
      }); // still open: this step starts the refresh
      await sleep(50);
      await expect(
        workflow("t", () => llm({ model: "m-team-down", estimate: { tokens: 10 } }, model.answer), {
          budget: open,
        }),
        // 5000 from the collector, and the 10 spent after its state was asked for.
      ).rejects.toMatchObject({ reason: "limit", used: 5010 });
    } finally {
      await back.stop();
    }
  });

  it("takes an answer in another shape as no answer", async () => {
    const odd = createServer((_request, response) => {
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ budgets: [{ team: 1 }] }));
    });
    await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
    const warnings = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const budget = teamBudget({
        team: "research",
        endpoint: `http://127.0.0.1:${(odd.address() as AddressInfo).port}`,
        failOpen: false,
      });
      await expect(
        workflow("t", () => llm({ model: "m-odd", estimate: { tokens: 1 } }, () => "x"), { budget }),
      ).rejects.toMatchObject({ reason: "unavailable" });
      expect(warnings.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(/not in the documented shape/);
    } finally {
      odd.closeAllConnections();
      await new Promise<void>((resolve) => odd.close(() => resolve()));
    }
  });

  // End to end with the real collector's GET /api/v1/budgets: examples/guards/team-budget-e2e.test.ts.
});
