// Runs a composite GitHub action's steps on this machine, in order, as a runner would: its
// `if:` conditions and `${{ }}` expressions evaluated (the few forms the action uses: context
// paths, '...' strings, ==, !=, &&, ||, !, parentheses), its `run:` scripts executed by bash as
// `shell: bash` does, outputs read from GITHUB_OUTPUT. Steps that `uses:` another action are not
// run: they are recorded with their evaluated `with:`, for the test to check. Anything else in
// an expression is an error, so that the test fails rather than guesses.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { runCommand } from "@leantrace/testing";

export interface ActionStep {
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
  "working-directory"?: string;
}

export interface ActionFile {
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export interface Context {
  inputs: Record<string, string>;
  github: Record<string, unknown>;
  runner: Record<string, string>;
  steps: Record<string, { outputs: Record<string, string> }>;
}

type Value = string | boolean;

function lookup(context: Context, path: string): string {
  const [root, ...rest] = path.split(".");
  if (root !== "inputs" && root !== "github" && root !== "runner" && root !== "steps") {
    throw new Error(`unknown context in expression: ${path}`);
  }
  let value: unknown = context[root];
  for (const key of rest) {
    value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value === undefined || value === null ? "" : String(value);
}

const truthy = (v: Value) => v !== false && v !== "";

/** Evaluates a GitHub expression (the inside of `${{ }}`, or an `if:`). */
export function evaluate(expression: string, context: Context): Value {
  const tokens = expression.match(/'(?:[^']|'')*'|==|!=|&&|\|\||!|\(|\)|[A-Za-z_][\w.-]*|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new Error(`cannot evaluate ${JSON.stringify(expression)}: expected ${expected ?? "more"}`);
    }
    return token;
  };
  const primary = (): Value => {
    const token = take();
    if (token === "(") {
      const value = or();
      take(")");
      return value;
    }
    if (token === "!") return !truthy(primary());
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
    if (token === "true" || token === "false") return token === "true";
    if (/^[A-Za-z_]/.test(token) && peek() !== "(") return lookup(context, token);
    throw new Error(`cannot evaluate ${JSON.stringify(expression)}: ${token} is not supported here`);
  };
  const comparison = (): Value => {
    const left = primary();
    const op = peek();
    if (op !== "==" && op !== "!=") return left;
    take();
    const right = primary();
    const same = String(left).toLowerCase() === String(right).toLowerCase();
    return op === "==" ? same : !same;
  };
  const and = (): Value => {
    let value = comparison();
    while (peek() === "&&") {
      take();
      const right = comparison();
      value = truthy(value) ? right : value;
    }
    return value;
  };
  const or = (): Value => {
    let value = and();
    while (peek() === "||") {
      take();
      const right = and();
      value = truthy(value) ? value : right;
    }
    return value;
  };
  const value = or();
  if (at !== tokens.length) throw new Error(`cannot evaluate ${JSON.stringify(expression)}: trailing input`);
  return value;
}

/** A string with its `${{ }}` expressions replaced by their values. */
export function expand(text: string, context: Context): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => String(evaluate(expression, context)));
}

/** The inputs as the runner sees them: the caller's `with:`, else the defaults (evaluated). */
export function resolveInputs(action: ActionFile, given: Record<string, string>, context: Context) {
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(action.inputs)) {
    if (name in given) inputs[name] = given[name] as string;
    else if (input.required) throw new Error(`the action needs the input ${name}`);
    else inputs[name] = expand(String(input.default ?? ""), context);
  }
  for (const name of Object.keys(given)) {
    if (!(name in action.inputs)) throw new Error(`the action has no input ${name}`);
  }
  return inputs;
}

export interface StepResult {
  id: string;
  /** null: skipped by its `if:`. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** A `uses:` step: the action and its evaluated `with:`; it is not run. */
  uses?: { action: string; with: Record<string, string> };
}

export interface RunOptions {
  /** The user's repository: GITHUB_WORKSPACE, where `working-directory` is relative to. */
  workspace: string;
  given: Record<string, string>;
  github: Record<string, unknown>;
  /** Environment of the job (PATH with stand-ins, the caller's `env:`). */
  env: Record<string, string>;
}

export interface RunResult {
  steps: StepResult[];
  /** The step that failed the job, if one did. */
  failed: StepResult | null;
  summary: string;
  context: Context;
}

function readOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  return outputs;
}

/** Runs the action's steps until one fails, as a job would. */
export async function runAction(action: ActionFile, options: RunOptions): Promise<RunResult> {
  const temp = await mkdtemp(join(tmpdir(), "leantrace-runner-"));
  const summaryFile = join(temp, "step-summary.md");
  await writeFile(summaryFile, "");
  const context: Context = {
    inputs: {},
    github: options.github,
    runner: { temp, os: "Linux", arch: "X64" },
    steps: {},
  };
  context.inputs = resolveInputs(action, options.given, context);
  const steps: StepResult[] = [];
  let failed: StepResult | null = null;
  for (const [index, step] of action.runs.steps.entries()) {
    const id = step.id ?? `step-${index}`;
    if (step.if !== undefined && !truthy(evaluate(step.if.replace(/^\$\{\{|\}\}$/g, ""), context))) {
      steps.push({ id, code: null, stdout: "", stderr: "" });
      continue;
    }
    if (step.uses !== undefined) {
      const evaluated = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(String(v), context)]),
      );
      steps.push({ id, code: 0, stdout: "", stderr: "", uses: { action: step.uses, with: evaluated } });
      context.steps[id] = { outputs: {} };
      continue;
    }
    if (step.shell !== "bash") throw new Error(`step ${id}: only shell: bash is run here`);
    const script = join(temp, `${id}.sh`);
    const outputFile = join(temp, `${id}.output`);
    await writeFile(script, step.run ?? "");
    await writeFile(outputFile, "");
    const env: Record<string, string> = {
      ...options.env,
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_EVENT_NAME: String(options.github.event_name ?? ""),
      GITHUB_REF: String(options.github.ref ?? ""),
      GITHUB_SHA: String(options.github.sha ?? ""),
      GITHUB_REPOSITORY: String(options.github.repository ?? ""),
      GITHUB_RUN_ID: String(options.github.run_id ?? ""),
      RUNNER_TEMP: temp,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), context)])),
    };
    const directory = expand(step["working-directory"] ?? ".", context);
    const cwd = isAbsolute(directory) ? directory : join(options.workspace, directory);
    // What `shell: bash` runs: bash --noprofile --norc -eo pipefail {0}, in the working directory.
    const result = await runCommand(
      "bash",
      ["-c", 'cd -- "$1" && exec bash --noprofile --norc -eo pipefail "$2"', "shell", cwd, script],
      env,
    );
    const done: StepResult = { id, ...result };
    steps.push(done);
    context.steps[id] = { outputs: readOutputs(await readFile(outputFile, "utf8")) };
    if (result.code !== 0) {
      failed = done;
      break;
    }
  }
  return { steps, failed, summary: await readFile(summaryFile, "utf8"), context };
}
