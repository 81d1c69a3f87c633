// The CLI reading a real collector whose storage is behind what it acknowledged: the command
// still answers, and says on stderr (not in its output) that the figures may leave data out.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCollector, resolveCollectorConfig, startCollector } from "@leantrace/collector";
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { apiUrl, requestJson } from "./http.ts";

let running: RunningCollector | undefined;

afterEach(async () => {
  vi.restoreAllMocks();
  await running?.stop();
  running = undefined;
});

describe("requestJson", () => {
  it("warns on stderr when the collector answered before its storage caught up", async () => {
    const dir = await mkdtemp(join(tmpdir(), "leantrace-cli-http-"));
    running = await startCollector(
      resolveCollectorConfig({
        port: 0,
        storage: { dataDir: join(dir, "data") },
        wal: join(dir, "wal"),
        tuning: { readAfterWriteMillis: 1, loaderLingerMillis: 0 },
      }),
      () => undefined,
    );
    const spans = Array.from(
      { length: 2_000 },
      (_, i): SpanInput => ({
        traceId: "1".padStart(32, "0"),
        spanId: (i + 1).toString(16).padStart(16, "0"),
        parentSpanId: "",
        name: "execute_tool bash",
        startTimeUnixNano: 1_700_000_000_000_000_000n,
        endTimeUnixNano: 1_700_000_001_000_000_000n,
        attributes: { "gen_ai.tool.call.result": `${i} `.repeat(700).slice(0, 2_000) },
      }),
    );
    const posted = await fetch(`${running.url}/v1/traces`, {
      method: "POST",
      body: encodeTraceRequestJson(spans),
      headers: { "content-type": "application/json" },
    });
    expect(posted.status).toBe(200);
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((message: string) => void errors.push(message));
    const answer = await requestJson(apiUrl(running.url, "api/v1/runs"), z.object({}).passthrough());
    expect(answer).toBeTypeOf("object");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^leantrace: \d+ bytes the collector accepted were not in storage yet/);
  });
});
