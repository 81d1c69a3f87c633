// The CI gate as a user's repository runs it: .github/actions/leantrace-check/action.yml, called
// by examples/ci-gate/agent-eval.yml. GitHub is not here, so: the YAML files are parsed and their
// essentials checked, then the action's own steps run in order (run-action.ts) in a scratch git
// repository, with this repository's example eval suite, for a push to the default branch (the
// baseline saved, uploaded and committed) and for pull requests (pass, the regressed agent
// fails, zero runs fail, a bad threshold is refused). Two stand-ins on PATH: `npx`, which checks
// it is asked for `leantrace@<version>` and runs this workspace's `leantrace` with the same
// arguments, and `gh`, which records the pull request comment it is asked to write.
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type ActionFile, type ActionStep, type RunOptions, runAction } from "./run-action.ts";

const ACTION_FILE = fileURLToPath(
  new URL("../../.github/actions/leantrace-check/action.yml", import.meta.url),
);
const CALLER_FILE = fileURLToPath(new URL("./agent-eval.yml", import.meta.url));
const SUITE = fileURLToPath(new URL("./eval-suite.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
const LEANTRACE_BIN = createRequire(import.meta.url).resolve("leantrace/bin");
const CLI_PACKAGE = fileURLToPath(new URL("../../packages/cli/package.json", import.meta.url));

const action = parse(await readFile(ACTION_FILE, "utf8")) as ActionFile;
const caller = parse(await readFile(CALLER_FILE, "utf8")) as {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, { permissions?: Record<string, string>; steps: ActionStep[] }>;
};
const { version } = JSON.parse(await readFile(CLI_PACKAGE, "utf8")) as { version: string };

/** `${{ inner }}`, as the YAML writes it. */
const expr = (inner: string) => `\${{ ${inner} }}`;

const step = (id: string): ActionStep => {
  const found = action.runs.steps.find((s) => s.id === id);
  if (found === undefined) throw new Error(`the action has no step ${id}`);
  return found;
};
const callerStep = Object.values(caller.jobs)
  .flatMap((job) => job.steps)
  .find((s) => s.uses?.includes(".github/actions/leantrace-check"));

describe("the action and the workflow that calls it", () => {
  it("is a composite action whose scripts take every value from the environment", () => {
    expect(action.runs.using).toBe("composite");
    for (const s of action.runs.steps.filter((s) => s.run !== undefined)) {
      expect(s.shell, s.id).toBe("bash");
      // No ${{ }} in a script: an input's value cannot become shell code.
      expect(s.run, s.id).not.toContain("${{");
    }
  });

  it("checks against the baseline input, and saves it there on a refresh", () => {
    expect(step("check").env?.BASELINE).toBe(expr("inputs.baseline"));
    expect(step("check").run).toMatch(/ check \\\n\s+--baseline "\$BASELINE" --from-otlp "\$SPANS"/);
    expect(step("check").run).toContain(
      '--threshold "$THRESHOLD" --confidence "$CONFIDENCE" --min-runs "$MIN_RUNS"',
    );
    expect(step("check").env).toMatchObject({
      THRESHOLD: expr("inputs.threshold"),
      CONFIDENCE: expr("inputs.confidence"),
      MIN_RUNS: expr("inputs.min-runs"),
    });
    expect(step("save").env?.BASELINE).toBe(expr("inputs.baseline"));
    expect(step("save").run).toContain('baseline save --from-otlp "$SPANS" --out "$BASELINE"');
  });

  it("refreshes only on the default branch, and checks everywhere else", () => {
    for (const id of ["save", "upload", "commit"]) expect(step(id).if).toMatch(/refresh == 'true'/);
    for (const id of ["check", "verdict", "comment"]) expect(step(id).if).toMatch(/refresh != 'true'/);
    expect(step("commit").if).toContain("inputs.commit-baseline == 'true'");
    expect(action.inputs["commit-baseline"]?.default).toBe("false");
    expect(step("mode").env?.DEFAULT_BRANCH).toBe(expr("github.event.repository.default_branch"));
    expect(step("upload").uses).toMatch(/^actions\/upload-artifact@v\d+$/);
  });

  it("caches npm's cache, which holds leantrace and chDB, per leantrace version", () => {
    const cache = step("cache");
    expect(cache.uses).toMatch(/^actions\/cache@v\d+$/);
    expect(cache.with?.path).toBe("~/.npm");
    expect(cache.with?.key).toContain(expr("inputs.version"));
    // Before the first npx.
    const steps = action.runs.steps.map((s) => s.id);
    expect(steps.indexOf("cache")).toBeLessThan(steps.indexOf("check"));
    expect(steps.indexOf("cache")).toBeLessThan(steps.indexOf("save"));
  });

  it("comments only on pull requests, and the caller grants pull-requests: write", () => {
    expect(step("comment").if).toContain("github.event_name == 'pull_request'");
    expect(step("comment").env?.GH_TOKEN).toBe(expr("inputs.github-token"));
    const job = Object.values(caller.jobs).find((j) => j.steps.includes(callerStep as ActionStep));
    expect({ ...caller.permissions, ...job?.permissions }["pull-requests"]).toBe("write");
  });

  it("runs the published command at the version of this repository, and the caller passes real inputs", () => {
    expect(action.inputs.version?.default).toBe(version);
    expect(callerStep?.uses).toBe("./.github/actions/leantrace-check");
    expect(callerStep?.with?.version).toBe(version);
    for (const name of Object.keys(callerStep?.with ?? {}))
      expect(Object.keys(action.inputs)).toContain(name);
    expect(Object.keys(caller.on)).toEqual(expect.arrayContaining(["pull_request", "push"]));
  });
});

let root: string;
let workspace: string;
let remote: string;
let bin: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd,
    encoding: "utf8",
  });

const SHA = "0123456789abcdef0123456789abcdef01234567";

/** The action as a job of `on` would run it, in the scratch repository. */
function run(
  on: { event: string; ref: string; pr?: number },
  given: Record<string, string>,
  env: Record<string, string> = {},
) {
  const options: RunOptions = {
    workspace,
    given,
    github: {
      event_name: on.event,
      ref: on.ref,
      sha: SHA,
      repository: "someone/agent",
      run_id: "9001",
      token: "the-token",
      event: {
        repository: { default_branch: "main" },
        ...(on.pr === undefined ? {} : { pull_request: { number: on.pr } }),
      },
    },
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      NODE: process.execPath,
      LEANTRACE_BIN,
      EXPECTED_LEANTRACE: `leantrace@${version}`,
      NPX_LOG: join(root, "npx.log"),
      GH_LOG: join(root, "gh.log"),
      ...env,
    },
  };
  return runAction(action, options);
}

const suite = (...args: string[]) => `"${TSX}" "${SUITE}" ${args.join(" ")}`;
const PUSH_MAIN = { event: "push", ref: "refs/heads/main" };
const PULL_REQUEST = { event: "pull_request", ref: "refs/pull/7/merge", pr: 7 };
const ran = (result: Awaited<ReturnType<typeof run>>) =>
  result.steps.filter((s) => s.code !== null).map((s) => s.id);
/** The gh calls, each as its arguments, the token first. */
async function ghCalls(): Promise<string[][]> {
  const log = await readFile(join(root, "gh.log"), "utf8").catch(() => "");
  return log
    .split("\x1e")
    .filter((c) => c !== "")
    .map((c) => c.split("\x1f").slice(0, -1));
}
const npxCalls = async () =>
  (await readFile(join(root, "npx.log"), "utf8").catch(() => "")).split("\n").filter((l) => l !== "");

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "leantrace-action-"));
  workspace = join(root, "repo");
  remote = join(root, "remote.git");
  bin = join(root, "bin");
  await mkdir(workspace);
  await mkdir(bin);
  git(root, "init", "--quiet", "--bare", "--initial-branch=main", remote);
  git(workspace, "init", "--quiet", "--initial-branch=main");
  await writeFile(join(workspace, "README.md"), "an agent\n");
  git(workspace, "add", "README.md");
  git(workspace, "commit", "--quiet", "-m", "first");
  git(workspace, "remote", "add", "origin", remote);
  git(workspace, "push", "--quiet", "origin", "main");
  // npm's npx, standing in: the same arguments, to this workspace's leantrace.
  await writeFile(
    join(bin, "npx"),
    `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$NPX_LOG"
if [[ "$1" != "--yes" || "$2" != "$EXPECTED_LEANTRACE" ]]; then
  echo "npx stand-in: expected --yes $EXPECTED_LEANTRACE, got: $*" >&2
  exit 127
fi
shift 2
exec "$NODE" "$LEANTRACE_BIN" "$@"
`,
  );
  // GitHub's gh, standing in: records each call; answers the listing with GH_COMMENTS (JSON)
  // through the step's own --jq filter when jq is here, else with the ids in GH_COMMENT_IDS.
  await writeFile(
    join(bin, "gh"),
    `#!/usr/bin/env bash
{ printf '%s\\x1f' "$GH_TOKEN" "$@"; printf '\\x1e'; } >> "$GH_LOG"
if [[ "$*" == *--paginate* ]]; then
  if command -v jq > /dev/null; then
    while [[ "$1" != --jq ]]; do shift; done
    printf '%s' "\${GH_COMMENTS:-[]}" | jq -r "$2"
  else
    printf '%b' "\${GH_COMMENT_IDS:-}"
  fi
fi
`,
  );
  await chmod(join(bin, "npx"), 0o755);
  await chmod(join(bin, "gh"), 0o755);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("the action's steps, run here", () => {
  it("refreshes only on a push or manual run on the default branch", async () => {
    const cases: [{ event: string; ref: string }, string][] = [
      [PUSH_MAIN, "true"],
      [{ event: "workflow_dispatch", ref: "refs/heads/main" }, "true"],
      [{ event: "push", ref: "refs/heads/feature" }, "false"],
      [{ event: "pull_request", ref: "refs/heads/main" }, "false"],
      [{ event: "schedule", ref: "refs/heads/main" }, "false"],
    ];
    for (const [on, refresh] of cases) {
      // The suite fails at once: only the mode step and the cache (not run here) come before it.
      const result = await run(on, { run: "exit 3" });
      expect(result.context.steps.mode?.outputs.refresh, `${on.event} ${on.ref}`).toBe(refresh);
      expect(result.failed?.id).toBe("eval");
      expect(result.failed?.code).toBe(3);
    }
  });

  it("on the default branch: saves the baseline from the suite's runs, uploads it, commits it", async () => {
    const result = await run(PUSH_MAIN, { run: suite("--seed", "1"), "commit-baseline": "true" });
    expect(result.failed, result.failed?.stderr).toBeNull();
    expect(ran(result)).toEqual(["mode", "cache", "eval", "save", "upload", "commit"]);
    const cache = result.steps.find((s) => s.id === "cache")?.uses;
    expect(cache?.with).toMatchObject({ path: "~/.npm", key: `leantrace-npm-Linux-X64-${version}` });
    expect(await npxCalls()).toEqual([
      `--yes leantrace@${version} baseline save --from-otlp leantrace-spans --out leantrace-baseline.json`,
    ]);
    const upload = result.steps.find((s) => s.id === "upload")?.uses;
    expect(upload?.with).toMatchObject({ name: "leantrace-baseline", path: "./leantrace-baseline.json" });
    const saved = JSON.parse(await readFile(join(workspace, upload?.with.path as string), "utf8"));
    expect(saved.workflows[0].runs).toHaveLength(40);
    expect(saved.source).toMatchObject({ commit: SHA, ciRunId: "9001" });
    expect(result.summary).toContain("## leantrace: baseline refreshed");
    // Committed and pushed, without the spans.
    expect(git(remote, "log", "-1", "--format=%s", "main").trim()).toBe(
      "leantrace: refresh the baseline from 0123456789ab [skip ci]",
    );
    expect(git(remote, "show", "--name-only", "--format=", "main").trim()).toBe("leantrace-baseline.json");
  });

  it("on a pull request: passes the same agent and comments with the decision and its threshold", async () => {
    await rm(join(root, "npx.log"), { force: true });
    const result = await run(PULL_REQUEST, { run: suite("--seed", "2") });
    expect(result.failed, result.steps.map((s) => s.stdout + s.stderr).join("\n")).toBeNull();
    expect(ran(result)).toEqual(["mode", "cache", "eval", "check", "comment", "verdict"]);
    expect(result.context.steps.check?.outputs["exit-code"]).toBe("0");
    expect(await npxCalls()).toEqual([
      `--yes leantrace@${version} check --baseline leantrace-baseline.json --from-otlp leantrace-spans --threshold 10% --confidence 0.95 --min-runs 10`,
    ]);
    expect(result.summary).toContain("## leantrace: tokens per successful outcome — PASS");
    expect(result.summary).toContain("threshold +10%");
    const [list, post, ...more] = await ghCalls();
    expect(more).toEqual([]);
    expect(list).toEqual(
      expect.arrayContaining(["the-token", "api", "--paginate", "repos/someone/agent/issues/7/comments"]),
    );
    expect(post?.slice(0, 5)).toEqual([
      "the-token",
      "api",
      "--method",
      "POST",
      "repos/someone/agent/issues/7/comments",
    ]);
    const body = post?.at(-1) ?? "";
    expect(body).toMatch(
      /^body=<!-- leantrace-check -->\n## leantrace: tokens per successful outcome — PASS/,
    );
  });

  it("on a pull request: fails the regressed agent, updating the same comment", async () => {
    await rm(join(root, "gh.log"), { force: true });
    const result = await run(
      PULL_REQUEST,
      { run: suite("--seed", "3", "--regress") },
      {
        GH_COMMENT_IDS: "777\\n778\\n",
        // A look-alike by a person, another bot's comment, then the action's own (twice).
        GH_COMMENTS: JSON.stringify([
          { id: 5, user: { type: "User" }, body: "<!-- leantrace-check -->\nlooks like it" },
          { id: 6, user: { type: "Bot" }, body: "another bot" },
          { id: 777, user: { type: "Bot" }, body: "<!-- leantrace-check -->\n## leantrace: ..." },
          { id: 778, user: { type: "Bot" }, body: "<!-- leantrace-check -->\n## leantrace: ..." },
        ]),
      },
    );
    expect(result.context.steps.check?.outputs["exit-code"]).toBe("1");
    expect(ran(result)).toEqual(["mode", "cache", "eval", "check", "comment", "verdict"]);
    expect(result.failed?.id).toBe("verdict");
    expect(result.failed?.code).toBe(1);
    expect(result.summary).toContain("— FAIL");
    const [, patch, ...more] = await ghCalls();
    expect(more).toEqual([]);
    expect(patch?.slice(0, 5)).toEqual([
      "the-token",
      "api",
      "--method",
      "PATCH",
      "repos/someone/agent/issues/comments/777",
    ]);
    expect(patch?.at(-1)).toContain("Tokens per successful outcome regressed beyond noise");
  });

  it("on a pull request: fails when the suite wrote no runs, saying where it looked", async () => {
    const result = await run(PULL_REQUEST, { run: "echo 'a suite without the SDK'", comment: "false" });
    expect(result.context.steps.check?.outputs["exit-code"]).toBe("1");
    expect(ran(result)).toEqual(["mode", "cache", "eval", "check", "verdict"]);
    expect(result.failed?.id).toBe("verdict");
    expect(result.summary).toContain(
      "no current runs were found in leantrace-spans/: did the eval suite run with LEANTRACE_EXPORT_TO=file:leantrace-spans",
    );
  });

  it("refuses an ambiguous threshold: exit 2, said in the summary", async () => {
    const result = await run(PULL_REQUEST, { run: "true", threshold: "10", comment: "false" });
    expect(result.context.steps.check?.outputs["exit-code"]).toBe("2");
    expect(result.failed?.code).toBe(2);
    expect(result.steps.find((s) => s.id === "check")?.stderr).toContain(
      "--threshold 10 is ambiguous: write 10% or 0.1",
    );
    expect(result.summary).toContain("stopped with exit code 2 before deciding");
  });
});
