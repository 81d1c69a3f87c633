// A labelled workload for the analyzers: runs of a coding agent with each waste pattern
// injected, and clean runs built to look close to them (near misses). The labels say which
// findings a perfect analyzer would report, so precision and recall can be measured.
import { llm, retrieval, tool, workflow } from "@leantrace/sdk";
import { complete, type Message, seededRandom } from "../support-agent/simulated-llm.ts";

export const PATTERNS = [
  "loop/repeat",
  "loop/error_retry",
  "loop/alternation",
  "loop/monologue",
  "loop/refused",
  "repeated_retrieval/same_query",
  "repeated_retrieval/overlapping_results",
  "repeated_retrieval/repeated_read",
  "extraneous/after_outcome",
  "extraneous/unused_result",
  "extraneous/off_path",
] as const;
export type Pattern = (typeof PATTERNS)[number];

export const NEAR_MISSES = [
  "same-tool-other-args",
  "retry-after-change",
  "query-other-source",
  "alternation-with-progress",
  "double-output",
  "reread-after-change",
  "same-error-after-change",
] as const;
export type NearMiss = (typeof NEAR_MISSES)[number];

export interface LabelledRun {
  runId: string;
  injected: Pattern[];
  nearMisses: NearMiss[];
  outcome: "success" | "failure";
}

export const LABELLED_WORKFLOW = "coding-agent";
/** Evaluation cases: runs of one case do the same task (a multiple of 3: see the base steps). */
const CASES = 48;
const MODEL = "gpt-4.1-mini";

/** Text of a given size that differs between files and versions. */
function fileContent(path: string, version: number): string {
  const line = `// ${path} v${version}: export function handler(input) { return transform(input, ${version}); }\n`;
  return line.repeat(12);
}

function documents(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
}

class Agent {
  readonly messages: Message[] = [{ role: "system", content: "You fix bugs in a repository, step by step." }];
  private version = 1;
  constructor(
    private readonly random: () => number,
    private readonly index: number,
  ) {}

  think(reply?: string): Promise<unknown> {
    const text =
      reply ?? `step ${this.messages.length} of run ${this.index}: ${this.random().toString(36).slice(2)}`;
    return llm({ model: MODEL, provider: "openai", input: [...this.messages] }, async () => {
      const response = await complete(MODEL, this.messages, text, this.random);
      this.messages.push({ role: "assistant", content: text });
      return response;
    });
  }

  /** A turn the harness could not use (a malformed tool call): no action comes of it. */
  refused(): Promise<unknown> {
    const text = `{"tool": "read_file", "path": ${this.messages.length}`;
    return llm({ model: MODEL, provider: "openai", input: [...this.messages] }, async (step) => {
      const response = await complete(MODEL, this.messages, text, this.random);
      step.reject("malformed tool call");
      this.messages.push({ role: "assistant", content: text });
      this.messages.push({ role: "user", content: "Your tool call was not valid JSON; try again." });
      return response;
    });
  }

  /** A tool call whose result the next prompt reads (unless `used` is false). */
  async call(name: string, args: Record<string, unknown>, result: string, used = true): Promise<void> {
    await tool(name, args, () => result);
    if (used) this.messages.push({ role: "tool", content: result });
  }

  async failingCall(name: string, args: Record<string, unknown>, error: string): Promise<void> {
    try {
      await tool(name, args, () => {
        throw new Error(error);
      });
    } catch (e) {
      this.messages.push({ role: "tool", content: `error: ${(e as Error).message}` });
    }
  }

  async search(query: string, source: string, ids: string[]): Promise<void> {
    const context = await retrieval({ query, dataSource: source }, (step) => {
      step.setDocuments(ids);
      return ids.map((id) => `[${id}] relevant passage about ${query.toLowerCase()}`).join("\n");
    });
    this.messages.push({ role: "tool", content: context });
  }

  read(path: string): Promise<void> {
    return this.think().then(() => this.call("read_file", { path }, fileContent(path, this.version)));
  }

  edit(path: string): Promise<void> {
    this.version++;
    return this.think().then(() =>
      this.call("edit_file", { path, patch: `v${this.version}` }, `patched ${path}`),
    );
  }
}

async function inject(agent: Agent, pattern: Pattern, run: number): Promise<void> {
  const file = `src/module-${run}.ts`;
  switch (pattern) {
    case "loop/repeat":
      for (let i = 0; i < 3 + (run % 2); i++) await agent.read(`${file}.loop`);
      return;
    case "loop/error_retry":
      for (let i = 0; i < 3 + (run % 2); i++) {
        await agent.think();
        await agent.failingCall("run_tests", { suite: "integration" }, "connection refused by test database");
      }
      return;
    case "loop/alternation": {
      const cycle = run % 2 === 0 ? ["a", "b"] : ["a", "b", "c"];
      for (let c = 0; c < 3; c++) for (const part of cycle) await agent.read(`${file}.${part}`);
      return;
    }
    case "loop/monologue":
      for (let i = 0; i < 3 + (run % 2); i++)
        await agent.think("I need to look at this more carefully before acting.");
      return;
    case "loop/refused":
      await agent.refused();
      await agent.read(`${file}.after-refusal`);
      return;
    case "repeated_retrieval/same_query":
      await agent.think();
      await agent.search(
        `How does the retry policy work in module ${run}?`,
        "docs",
        documents(`same-${run}`, 4),
      );
      await agent.read(`${file}.between-same`);
      await agent.think();
      await agent.search(
        `how does the retry policy work in module ${run}`,
        "docs",
        documents(`same-${run}`, 4),
      );
      return;
    case "repeated_retrieval/overlapping_results": {
      const ids = documents(`overlap-${run}`, 10);
      await agent.think();
      await agent.search(`timeout settings of module ${run}`, "docs", ids);
      await agent.read(`${file}.between-overlap`);
      await agent.think();
      await agent.search(`where are deadlines configured for module ${run}`, "docs", [
        ...ids.slice(1),
        `extra-${run}`,
      ]);
      return;
    }
    case "repeated_retrieval/repeated_read":
      await agent.read(`${file}.config`);
      await agent.read(`${file}.other`);
      await agent.read(`${file}.third`);
      await agent.read(`${file}.fourth`);
      await agent.read(`${file}.config`);
      return;
    case "extraneous/unused_result":
      await agent.think();
      await agent.call("read_file", { path: `${file}.ignored` }, fileContent(`${file}.ignored`, 1), false);
      await agent.think();
      return;
    case "extraneous/off_path":
      await agent.think();
      await agent.call("translate_text", { text: `comment ${run}`, to: "fr" }, `commentaire ${run}`);
      return;
    case "extraneous/after_outcome":
      return; // injected after the outcome, below
  }
}

async function nearMiss(agent: Agent, kind: NearMiss, run: number): Promise<void> {
  const file = `src/near-${run}.ts`;
  switch (kind) {
    case "same-tool-other-args":
      for (const part of ["x", "y", "z"]) await agent.read(`${file}.${part}`);
      return;
    case "retry-after-change":
      await agent.think();
      await agent.call("run_tests", { suite: "unit" }, `FAILED: 1 test in ${file}`);
      await agent.edit(file);
      await agent.think();
      await agent.call("run_tests", { suite: "unit" }, `passed: 40 tests after the fix (run ${run})`);
      return;
    case "query-other-source":
      await agent.think();
      await agent.search(`known issues with caching in module ${run}`, "docs", documents(`docs-${run}`, 4));
      await agent.think();
      await agent.search(
        `known issues with caching in module ${run}`,
        "issues",
        documents(`issues-${run}`, 4),
      );
      return;
    case "alternation-with-progress":
      // read, edit, read, edit: the file changes every time, so nothing repeats.
      for (let c = 0; c < 3; c++) {
        await agent.read(file);
        await agent.edit(file);
      }
      return;
    case "double-output":
      for (let i = 0; i < 2; i++) await agent.think("Let me double-check the failing assertion first.");
      return;
    case "reread-after-change":
      await agent.read(file);
      await agent.edit(file);
      await agent.read(file);
      return;
    case "same-error-after-change":
      // The same failure after an edit meant to fix it: the retry was a fair test, not a loop.
      await agent.think();
      await agent.failingCall("run_tests", { suite: "smoke" }, `ImportError in ${file}`);
      await agent.edit(file);
      await agent.think();
      await agent.failingCall("run_tests", { suite: "smoke" }, `ImportError in ${file}`);
      return;
  }
}

/** One run: a base of common steps, with its injected patterns and near misses. */
async function generateRun(run: number, injected: Pattern[], nearMisses: NearMiss[], fails: boolean) {
  const random = seededRandom(run + 1);
  let runId = "";
  await workflow(
    LABELLED_WORKFLOW,
    async (handle) => {
      runId = handle.runId;
      const agent = new Agent(random, run);
      await agent.think();
      await agent.search(`failing test in module ${run}`, "docs", documents(`base-${run}`, 3));
      if (run % 3 === 0)
        await agent.search(`bug reports for module ${run}`, "issues", documents(`bug-${run}`, 3));
      await agent.read(`src/main-${run}.ts`);
      for (const pattern of injected) await inject(agent, pattern, run);
      for (const kind of nearMisses) await nearMiss(agent, kind, run);
      if (run % 4 === 1) {
        await agent.think();
        await agent.call("format_code", { path: `src/main-${run}.ts` }, `formatted src/main-${run}.ts`);
      }
      await agent.edit(`src/main-${run}.ts`);
      await agent.think();
      await agent.call(
        "run_tests",
        { suite: "unit" },
        fails ? `FAILED: 3 tests (run ${run})` : `passed: 40 tests (run ${run})`,
      );
      await agent.think(fails ? `I could not fix run ${run}.` : `Fixed the bug in run ${run}.`);
      handle.setOutcome(fails ? "failure" : "success");
      if (injected.includes("extraneous/after_outcome")) {
        await agent.think();
        await agent.call(
          "read_file",
          { path: `docs/after-${run}.md` },
          fileContent(`docs/after-${run}.md`, 1),
          false,
        );
      }
    },
    // Runs of a case share their base steps (the issues search comes with run % 3).
    { caseId: `task-${run % CASES}` },
  );
  return runId;
}

/** Deterministic for a seed: which runs get which patterns. */
export async function generateLabelledRuns(count: number, seed = 7): Promise<LabelledRun[]> {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const runs: LabelledRun[] = [];
  const offPathCases = new Set<number>();
  for (let run = 0; run < count; run++) {
    const roll = random();
    const injected: Pattern[] = [];
    const nearMisses: NearMiss[] = [];
    if (roll < 0.45) {
      injected.push(pick(PATTERNS.filter((p) => p !== "extraneous/off_path")));
      if (random() < 0.3) {
        const second = pick(PATTERNS.filter((p) => p !== "extraneous/off_path"));
        if (!injected.includes(second)) injected.push(second);
      }
    } else if (roll < 0.5 && !offPathCases.has(run % CASES)) {
      // One off-path run per case: two would make the step usual for that case.
      offPathCases.add(run % CASES);
      injected.push("extraneous/off_path");
    } else if (roll < 0.8) {
      nearMisses.push(pick(NEAR_MISSES));
    }
    const fails = !injected.includes("extraneous/off_path") && random() < 0.1;
    const runId = await generateRun(run, injected, nearMisses, fails);
    runs.push({ runId, injected, nearMisses, outcome: fails ? "failure" : "success" });
  }
  return runs;
}
