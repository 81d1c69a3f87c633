// The CI gate as a pipeline runs it: the evaluation suite writes its spans to files, then
// `leantrace baseline save` and `leantrace check` read them, no collector; and the same check
// against a collector, selecting one CI run's spans.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli, runCommand, spawnCollector } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SUITE = fileURLToPath(new URL("./eval-suite.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

let dir: string;

const leantrace = (...args: string[]) => runCli(args);
/** `leantrace check --baseline <dir>/BASELINE ...rest`. */
const check = (baseline: string, ...rest: string[]) =>
  leantrace("check", "--baseline", join(dir, baseline), ...rest);
/** Runs read from the files of one suite run. */
const fromFiles = (suiteRun: string) => ["--from-otlp", join(dir, suiteRun)];
const suite = (args: string[], env: Record<string, string> = {}) => runCommand(TSX, [SUITE, ...args], env);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-ci-gate-"));
  const runs = await Promise.all([
    suite(["--out", join(dir, "baseline"), "--seed", "1"]),
    suite(["--out", join(dir, "noise"), "--seed", "2"]),
    suite(["--out", join(dir, "regressed"), "--seed", "3", "--regress"]),
  ]);
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("leantrace baseline save and check, from OTLP files", () => {
  it("saves a baseline with every run's totals", async () => {
    const saved = await leantrace(
      "baseline",
      "save",
      "--from-otlp",
      join(dir, "baseline"),
      "--out",
      join(dir, "base.json"),
    );
    expect(saved.code, saved.stderr).toBe(0);
    const baseline = JSON.parse(await readFile(join(dir, "base.json"), "utf8"));
    expect(baseline.leantraceBaseline).toBe(1);
    expect(baseline.workflows[0].workflow).toBe("support-ticket");
    expect(baseline.workflows[0].runs).toHaveLength(40);
    expect(new Set(baseline.workflows[0].runs.map((r: { caseId: string }) => r.caseId)).size).toBe(20);
  });

  it("passes the same agent on other seeds, saying the threshold it used", async () => {
    const checked = await check("base.json", ...fromFiles("noise"));
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toContain("PASS");
    expect(checked.stdout).toContain("threshold +10%, 95% interval, at least 10 runs a side");
  });

  it("reads --threshold as 10% or 0.1, and refuses a bare 10 rather than read it as 1000%", async () => {
    for (const threshold of ["10%", "0.1"]) {
      const checked = await check("base.json", ...fromFiles("regressed"), "--threshold", threshold, "--json");
      expect(checked.code, checked.stderr).toBe(1);
      expect(JSON.parse(checked.stdout).settings.threshold).toBe(0.1);
    }
    const ambiguous = await check("base.json", ...fromFiles("regressed"), "--threshold", "10");
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain("--threshold 10 is ambiguous: write 10% or 0.1");
    for (const bad of ["-5%", "NaN", "10%%"]) {
      const refused = await check("base.json", ...fromFiles("regressed"), `--threshold=${bad}`);
      expect(refused.code, bad).toBe(2);
      expect(refused.stderr).toMatch(/^leantrace: --threshold .* (is negative|is not a share)/);
    }
  });

  it("fails on zero current runs, saying where it looked and what to check", async () => {
    await mkdir(join(dir, "empty"));
    const summary = join(dir, "empty-summary.md");
    const empty = await runCli(["check", "--baseline", join(dir, "base.json"), ...fromFiles("empty")], {
      GITHUB_STEP_SUMMARY: summary,
    });
    expect(empty.code, empty.stdout + empty.stderr).toBe(1);
    expect(empty.stdout).toContain(
      `no current runs were found in ${join(dir, "empty")}/: did the eval suite run with LEANTRACE_EXPORT_TO=file:${join(dir, "empty")}`,
    );
    expect(await readFile(summary, "utf8")).toContain("— FAIL");
    const unmatched = await check("base.json", ...fromFiles("noise"), "--select", "workflow=nope", "--json");
    expect(unmatched.code).toBe(1);
    expect(JSON.parse(unmatched.stdout).problem).toMatch(
      /^no current runs in .* matched --select workflow=nope/,
    );
    expect(unmatched.stderr).toContain("matched --select workflow=nope");
    const save = await leantrace("baseline", "save", ...fromFiles("empty"), "--out", join(dir, "none.json"));
    expect(save.code).toBe(2);
    expect(save.stderr).toContain(
      "so the baseline would be empty: did the eval suite run with LEANTRACE_EXPORT_TO=",
    );
  });

  it("fails the regressed agent, and explains it in the job summary", async () => {
    const summary = join(dir, "summary.md");
    const checked = await runCli(
      ["check", "--baseline", join(dir, "base.json"), "--from-otlp", join(dir, "regressed"), "--json"],
      { GITHUB_STEP_SUMMARY: summary },
    );
    expect(checked.code).toBe(1);
    const result = JSON.parse(checked.stdout);
    expect(result.verdict).toBe("fail");
    expect(result.workflows[0].pairedCases).toBe(20);
    expect(result.workflows[0].interval[0]).toBeGreaterThan(1.1);
    const markdown = await readFile(summary, "utf8");
    expect(markdown).toContain("## leantrace: tokens per successful outcome — FAIL");
    expect(markdown).toMatch(/`lookup_order` ran 3 times in a row/);
  });

  it("refuses bad baseline files and bad flags with exit 2 and a sentence", async () => {
    const missing = await check("nope.json", ...fromFiles("noise"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot be read: ENOENT");
    await writeFile(join(dir, "garbage.json"), "{ not json");
    const garbage = await check("garbage.json", ...fromFiles("noise"));
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain("is not JSON");
    await writeFile(join(dir, "wrong.json"), JSON.stringify({ leantraceBaseline: 1, workflows: 3 }));
    const wrong = await check("wrong.json", ...fromFiles("noise"));
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not a leantrace baseline: at createdAt/);
    const threshold = await check("base.json", ...fromFiles("noise"), "--threshold", "lots");
    expect(threshold.code).toBe(2);
    const nowhere = await check("base.json");
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain("say where the runs are");
    const noFiles = await check("base.json", ...fromFiles("absent"));
    expect(noFiles.code).toBe(2);
    expect(noFiles.stderr).toContain("does not exist");
    expect(noFiles.stderr).toContain(
      `did the eval suite run with LEANTRACE_EXPORT_TO=file:${join(dir, "absent")}?`,
    );
  });
});

describe("leantrace check against a collector", () => {
  it("selects one CI run's spans and decides on them", async () => {
    const collector = await spawnCollector(["--data", join(dir, "store")]);
    try {
      const sent = await suite(["--endpoint", collector.url, "--seed", "4", "--regress"], {
        LEANTRACE_CI_RUN_ID: "ci-42",
      });
      expect(sent.code, sent.stderr).toBe(0);
      const other = await suite(["--endpoint", collector.url, "--seed", "5"], {
        LEANTRACE_CI_RUN_ID: "ci-43",
      });
      expect(other.code, other.stderr).toBe(0);
      const regressed = await check("base.json", "--endpoint", collector.url, "--select", "ci_run_id=ci-42");
      expect(regressed.code).toBe(1);
      const fine = await check("base.json", "--endpoint", collector.url, "--select", "ci_run_id=ci-43");
      expect(fine.code, fine.stdout).toBe(0);
      const nothing = await check("base.json", "--endpoint", collector.url, "--select", "ci_run_id=ci-99");
      expect(nothing.code).toBe(1);
      expect(nothing.stdout).toContain(
        `no current runs at ${collector.url} matched --select ci_run_id=ci-99: did the eval suite send its spans to ${collector.url} with LEANTRACE_CI_RUN_ID=ci-99`,
      );
      const badSelect = await check("base.json", "--endpoint", collector.url, "--select", "colour=red");
      expect(badSelect.code).toBe(2);
    } finally {
      await collector.stop();
    }
  });
});
