// The command as a stranger meets it: its version, where it finds the collector, what it says
// when a name matches nothing, when the data directory is taken or is not a folder, the API
// answering JSON for a route that does not exist, and keys listed and revoked.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { activityLine } from "@leantrace/collector";
import { type CollectorProcess, runCli, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import manifest from "../packages/cli/package.json" with { type: "json" };

let dir: string;
let collector: CollectorProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-cli-"));
  collector = await spawnCollector([...storeFlags(dir), "--analyze-interval-seconds", "0"]);
});

afterAll(async () => {
  await collector?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("leantrace, as a stranger meets it", () => {
  it("says its version", async () => {
    const result = await runCli(["--version"]);
    expect(result).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
  });

  it("finds the collector through LEANTRACE_ENDPOINT, and says when a workflow matches nothing", async () => {
    const report = await runCli(["report", "--json"], { LEANTRACE_ENDPOINT: collector.url });
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout)).toEqual({ workflows: [] });
    const none = await runCli(["report", "--workflow", "nothing-like-it"], {
      LEANTRACE_ENDPOINT: collector.url,
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no runs of workflow "nothing-like-it" were found/);
  });

  it("answers JSON for an endpoint that does not exist", async () => {
    const response = await fetch(`${collector.url}/api/v1/nope`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { message: "no such endpoint: GET /api/v1/nope" } });
  });

  it("says in a sentence when the data directory is taken by a collector, or is a file", async () => {
    const taken = await runCli(["keys", "create", "--project", "x", "--data", join(dir, "data")]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(
      /is in use by another process, most likely a running collector: stop it, or go through its HTTP API/,
    );
    const file = join(dir, "a-file");
    await writeFile(file, "not a folder");
    const notFolder = await runCli(["keys", "create", "--project", "x", "--data", file]);
    expect(notFolder.code).toBe(1);
    expect(notFolder.stderr).toMatch(/is a file, not a folder: give --data a folder/);
  });

  it("lists keys by id and project, never the key, and revokes one", async () => {
    const keysDir = join(dir, "keys");
    const created = await runCli(["keys", "create", "--project", "payments", "--data", keysDir]);
    expect(created.code, created.stderr).toBe(0);
    const key = created.stdout.trim();
    const listed = JSON.parse((await runCli(["keys", "list", "--json", "--data", keysDir])).stdout);
    expect(listed.keys).toHaveLength(1);
    expect(listed.keys[0]).toMatchObject({ project: "payments", revoked: false });
    expect(JSON.stringify(listed)).not.toContain(key);
    const id = listed.keys[0].id as string;
    const revoked = await runCli(["keys", "revoke", id, "--data", keysDir]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked key ${id} of project payments.\n` });
    expect(
      JSON.parse((await runCli(["keys", "list", "--json", "--data", keysDir])).stdout).keys[0].revoked,
    ).toBe(true);
    const again = await runCli(["keys", "revoke", id, "--data", keysDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no valid key has the id/);
    // A collector on that store refuses the revoked key (keys are required once one exists).
    const keyed = await spawnCollector(["--data", keysDir, "--wal", join(dir, "keys-wal")]);
    try {
      const response = await fetch(`${keyed.url}/api/v1/report`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(response.status).toBe(401);
    } finally {
      await keyed.stop();
    }
  });

  it("logs a line of what it did, and nothing when it did nothing", () => {
    const idle = { requests: 0, spans: 0, rejectedSpans: 0, storedBytes: 0, passes: 0, runs: 0, findings: 0 };
    expect(activityLine(idle, 1, 0)).toBeUndefined();
    expect(
      activityLine(
        {
          ...idle,
          requests: 12,
          spans: 1800,
          rejectedSpans: 3,
          storedBytes: 3 * 1024 * 1024,
          passes: 2,
          runs: 45,
          findings: 3,
        },
        1,
        0,
      ),
    ).toBe(
      "in the last minute: 12 requests, 1,800 spans accepted (3 rejected), 3.0 MiB stored; 2 analysis passes (45 runs, 3 findings); 0.0 MiB waiting in the log",
    );
  });
});
