// leantrace as a user installs it: the packages packed with `pnpm -r pack`, installed with plain
// npm into a new project outside the workspace, then used there as an agent and a platform
// team would: an ES module agent, a CommonJS agent and a TypeScript agent checked by tsc, all
// on the published `@leantrace/sdk`, sending to the installed `leantrace collector`, whose
// report says what they sent.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
let packs: string;
let project: string;
let url: string;
let stopCollector: () => Promise<number | null>;

const npm = (args: string[]) => runCommand("npm", args, { npm_config_update_notifier: "false" }, project);
const inProject = (file: string, args: string[], env: Record<string, string> = {}) =>
  runCommand(file, args, env, project);
const leantrace = (...args: string[]) => inProject(join(project, "node_modules/.bin/leantrace"), args);

const ESM_AGENT = `import { llm, tool, workflow } from "@leantrace/sdk";
import { init } from "@leantrace/sdk/init";
import { wrapOpenAI } from "@leantrace/sdk/openai";
const sdk = init({ endpoint: process.env.ENDPOINT, serviceName: "esm-agent" });
// Anything shaped like the OpenAI client will do: the integration needs no openai at run time.
const openai = wrapOpenAI({ chat: { completions: { create: async () => ({ model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 7, completion_tokens: 3 } }) } } });
await workflow("esm-agent", async (run) => {
  await tool("lookup_order", { id: 42 }, () => "shipped");
  await openai.chat.completions.create({ model: "gpt-4o-mini", messages: [] });
  await llm({ model: "gpt-4o-mini", usage: { inputTokens: 100, outputTokens: 20 } }, () => "It shipped.");
  run.success();
});
await sdk.shutdown();
console.log("esm agent done");
`;

const CJS_AGENT = `const { llm, workflow } = require("@leantrace/sdk");
const { init } = require("@leantrace/sdk/init");
if (typeof require("@leantrace/sdk/anthropic").wrapAnthropic !== "function") throw new Error("no wrapAnthropic");
(async () => {
  const sdk = init({ endpoint: process.env.ENDPOINT, serviceName: "cjs-agent" });
  await workflow("cjs-agent", async (run) => {
    await llm({ model: "gpt-4o-mini", usage: { inputTokens: 50, outputTokens: 5 } }, () => "ok");
    run.failure();
  });
  await sdk.shutdown();
  console.log("cjs agent done");
})();
`;

const TS_AGENT = `import { llm, type LlmOptions, retrieval, workflow } from "@leantrace/sdk";
import { init } from "@leantrace/sdk/init";
import { wrapOpenAI } from "@leantrace/sdk/openai";
import OpenAI from "openai";
const openai: OpenAI = wrapOpenAI(new OpenAI({ apiKey: "unused" }));
const options: LlmOptions = { model: "gpt-4o-mini", usage: { inputTokens: 1, outputTokens: 1 } };
const sdk = init({ serviceName: "ts-agent", exportTo: "file:spans" });
await workflow("ts-agent", async (run) => {
  const docs: string[] = await retrieval({ query: "refund policy", dataSource: "kb" }, () => ["a", "b"]);
  const answer: string = await llm(options, () => docs.join(" "));
  run.setOutcome(answer.length > 0 ? "success" : "failure");
}, { caseId: "case-1" });
await sdk.shutdown();
`;

beforeAll(async () => {
  packs = await mkdtemp(join(tmpdir(), "leantrace-packs-"));
  // Outside the workspace: nothing of it may be found by walking up from here.
  project = await mkdtemp(join(tmpdir(), "leantrace-user-project-"));
  const packed = await runCommand(
    "npx",
    ["-y", "pnpm@10", "-r", "pack", "--pack-destination", packs],
    {},
    ROOT,
  );
  expect(packed.code, packed.stderr).toBe(0);
  const tarballs = (await readdir(packs)).filter((f) => f.endsWith(".tgz") && !f.includes("testing"));
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "user-agent", private: true, type: "module" }),
  );
  const installed = await npm([
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    ...tarballs.map((t) => join(packs, t)),
    "@opentelemetry/api@1.9.0",
    "typescript@5.9",
    "@types/node@20",
    "openai@6.49.0",
  ]);
  expect(installed.code, installed.stderr).toBe(0);
  await writeFile(join(project, "agent.js"), ESM_AGENT);
  await writeFile(join(project, "agent.cjs"), CJS_AGENT);
  await writeFile(join(project, "agent.ts"), TS_AGENT);
  await writeFile(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        target: "es2022",
        strict: true,
        outDir: "built",
        types: ["node"],
      },
      include: ["agent.ts"],
    }),
  );
  // The installed command, from the user's project, as `npx leantrace collector` runs it; the
  // collector normalizes on a worker thread, which must load from the built package too.
  const child = spawn(
    join(project, "node_modules/.bin/leantrace"),
    [
      "collector",
      "--port",
      "0",
      "--data",
      "./data",
      "--ingest-threads",
      "1",
      "--analyze-interval-seconds",
      "0",
    ],
    { cwd: project, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => reject(new Error(`the installed collector exited with ${code}:\n${output}`)));
  });
  stopCollector = async () => {
    child.kill("SIGTERM");
    return exited;
  };
}, 300_000);

afterAll(async () => {
  await stopCollector?.();
  await rm(packs, { recursive: true, force: true });
  await rm(project, { recursive: true, force: true });
});

describe("the packed packages, installed with npm in a project of its own", () => {
  it("run an ES module agent and a CommonJS agent against the installed collector", async () => {
    const esm = await inProject("node", ["agent.js"], { ENDPOINT: url });
    expect(esm, esm.stderr).toMatchObject({ code: 0, stdout: "esm agent done\n" });
    const cjs = await inProject("node", ["agent.cjs"], { ENDPOINT: url });
    expect(cjs, cjs.stderr).toMatchObject({ code: 0, stdout: "cjs agent done\n" });
  });

  it("type-check a TypeScript agent with tsc, and run it writing spans to files", async () => {
    // tsc checks the agent against the published declarations, and Node 20 runs what it compiled.
    const tsc = await inProject(join(project, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"]);
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
    const run = await inProject("node", ["built/agent.js"]);
    expect(run.code, run.stderr).toBe(0);
    expect((await readdir(join(project, "spans"))).length).toBeGreaterThan(0);
  });

  it("report through the installed command what the agents sent", async () => {
    expect((await leantrace("--version")).stdout.trim()).toBe("0.1.0");
    const analyzed = await leantrace("analyze", "--endpoint", url);
    expect(analyzed.code, analyzed.stderr).toBe(0);
    const report = await leantrace("report", "--json", "--endpoint", url);
    expect(report.code, report.stderr).toBe(0);
    const workflows = JSON.parse(report.stdout).workflows as {
      workflow: string;
      runs: number;
      totalTokens: number;
      successes: number;
    }[];
    expect(workflows.map((w) => [w.workflow, w.runs, w.successes, w.totalTokens])).toEqual([
      ["cjs-agent", 1, 0, 55],
      ["esm-agent", 1, 1, 130],
    ]);
    // The installed collector serves its dashboard, with its script and Chart.js from the package.
    const page = await fetch(new URL("/", url));
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain("esm-agent");
    for (const file of ["dashboard.js", "dashboard.css", "chart.umd.min.js"]) {
      expect((await fetch(new URL(`/assets/${file}`, url))).status, file).toBe(200);
    }
    const usage = await leantrace("usage", "--by", "app", "--json", "--endpoint", url);
    expect(usage.code, usage.stderr).toBe(0);
    expect(
      JSON.parse(usage.stdout)
        .rows.map((r: { key: string }) => r.key)
        .sort(),
    ).toEqual(["cjs-agent", "esm-agent"]);
    // The CI gate from the files the TypeScript agent wrote, without a collector.
    const baseline = await leantrace("baseline", "save", "--from-otlp", "spans", "--out", "baseline.json");
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(baseline.stdout).toMatch(/ts-agent \(1 runs\)/);
    expect(await stopCollector()).toBe(0);
  });
});
