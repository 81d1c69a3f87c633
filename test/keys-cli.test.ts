// `leantrace keys create` as an operator runs it, then the collector and the CLI with the key.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, spawnCollector } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;

const leantrace = (args: string[], env: Record<string, string> = {}) => runCli(args, env);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-keys-cli-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("leantrace keys create", () => {
  it("prints a key once; the collector then requires it, and the CLI sends it", async () => {
    const created = await leantrace(["keys", "create", "--project", "payments", "--data", join(dir, "data")]);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^lt_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain("shown once");

    const bad = await leantrace([
      "keys",
      "create",
      "--project",
      "no spaces please",
      "--data",
      join(dir, "data"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('project "no spaces please" is not valid');

    const collector = await spawnCollector(["--data", join(dir, "data")]);
    try {
      const without = await leantrace(["report", "--endpoint", collector.url]);
      expect(without.code).toBe(2);
      expect(without.stderr).toContain("the collector answered 401: an API key is required");
      const wrong = await leantrace(["report", "--endpoint", collector.url], {
        LEANTRACE_API_KEY: "lt_wrong",
      });
      expect(wrong.stderr).toContain("401: the API key is not valid");
      const withKey = await leantrace(["report", "--json", "--endpoint", collector.url], {
        LEANTRACE_API_KEY: key,
      });
      expect(withKey.code, withKey.stderr).toBe(0);
      expect(JSON.parse(withKey.stdout)).toEqual({ workflows: [] });
    } finally {
      await collector.stop();
    }
  });
});
