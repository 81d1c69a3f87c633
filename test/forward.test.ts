// Forwarding, against a second local OTLP receiver: what the collector accepts goes on unchanged
// (the same bytes, media type and encoding, with the target's own credentials), findings go as
// spans carrying a `gen_ai.evaluation.result` event, and a target that is down costs the
// senders nothing: they are still answered 200, the queue stays bounded, drops are counted.

import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Health } from "@leantrace/collector";
import { encodeTraceRequestJson, type SpanInput } from "@leantrace/otlp";
import { type CollectorProcess, spawnCollector, storeFlags } from "@leantrace/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

let dir: string;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let collector: CollectorProcess;

const START = 1_790_000_000_000_000_000n;

/** A run whose tool is called three times with the same arguments and result: a loop finding. */
function loopingRun(traceId: string): string {
  const spans: SpanInput[] = [
    {
      traceId,
      spanId: "0000000000000001",
      name: "invoke_workflow forwarded",
      startTimeUnixNano: START,
      endTimeUnixNano: START + 9_000n,
      attributes: { "gen_ai.workflow.name": "forwarded", "leantrace.outcome": "success" },
    },
  ];
  for (let i = 0; i < 3; i++) {
    const at = START + BigInt(i) * 1000n;
    spans.push(
      {
        traceId,
        spanId: `00000000000001${i}0`,
        parentSpanId: "0000000000000001",
        name: "chat",
        startTimeUnixNano: at,
        endTimeUnixNano: at + 100n,
        attributes: {
          "gen_ai.operation.name": "chat",
          "gen_ai.request.model": "gpt-4o-mini",
          "gen_ai.usage.input_tokens": 100,
          "gen_ai.usage.output_tokens": 10,
        },
      },
      {
        traceId,
        spanId: `00000000000001${i}1`,
        parentSpanId: "0000000000000001",
        name: "execute_tool lookup_order",
        startTimeUnixNano: at + 200n,
        endTimeUnixNano: at + 300n,
        attributes: {
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": "lookup_order",
          "gen_ai.tool.call.arguments": '{"id":7}',
          "gen_ai.tool.call.result": "shipped",
        },
      },
    );
  }
  return encodeTraceRequestJson(spans, { "service.name": "forwarded" });
}

async function post(body: Uint8Array | string, headers: Record<string, string>) {
  const response = await fetch(`${collector.url}/v1/traces`, { method: "POST", headers, body });
  await response.arrayBuffer();
  return response.status;
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leantrace-forward-"));
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ path: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  collector = await spawnCollector([
    ...storeFlags(dir),
    "--analyze-interval-seconds",
    "0",
    "--forward-to",
    receiverUrl,
    "--forward-header",
    "authorization=Bearer target-secret",
    "--forward-findings",
  ]);
});

afterAll(async () => {
  await collector?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe("forwarding", () => {
  it("sends what it accepts on unchanged: the same bytes, media type and encoding, the target's credentials", async () => {
    const json = loopingRun("f".repeat(32));
    const gzipped = gzipSync(Buffer.from(loopingRun("e".repeat(32))));
    expect(await post(json, { "content-type": "application/json" })).toBe(200);
    expect(await post(gzipped, { "content-type": "application/json", "content-encoding": "gzip" })).toBe(200);
    await until(() => received.length >= 2, "both requests were forwarded");
    const [first, second] = received as [Received, Received];
    expect(first.path).toBe("/v1/traces");
    expect(first.body.toString()).toBe(json);
    expect(first.headers).toMatchObject({
      "content-type": "application/json",
      authorization: "Bearer target-secret",
    });
    expect(second.body.equals(gzipped)).toBe(true);
    expect(second.headers["content-encoding"]).toBe("gzip");
  });

  it("sends each finding as a span under the step it is about, with a gen_ai.evaluation.result event", async () => {
    received.length = 0;
    const analyzed = await fetch(`${collector.url}/api/v1/analyze`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"full":true}',
    });
    expect(analyzed.status).toBe(200);
    await until(() => received.length >= 1, "the findings were forwarded");
    const request = JSON.parse((received[0] as Received).body.toString());
    const spans = request.resourceSpans[0].scopeSpans[0].spans as {
      traceId: string;
      parentSpanId: string;
      name: string;
      events: { name: string; attributes: { key: string; value: Record<string, unknown> }[] }[];
    }[];
    const loops = spans.filter((s) => s.name === "leantrace.loop");
    expect(loops.map((s) => s.traceId).sort()).toEqual(["e".repeat(32), "f".repeat(32)]);
    const event = loops[0]?.events[0];
    expect(event?.name).toBe("gen_ai.evaluation.result");
    const attributes = Object.fromEntries(
      (event?.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]),
    );
    expect(attributes).toMatchObject({
      "gen_ai.evaluation.name": "leantrace.loop",
      "gen_ai.evaluation.score.label": "repeat",
    });
    expect(Number(attributes["gen_ai.evaluation.score.value"])).toBeGreaterThan(0);
    expect(String(attributes["gen_ai.evaluation.explanation"])).toMatch(
      /`lookup_order` ran 3 times in a row/,
    );
    // Under a step of the run: one of the repeated calls or the LLM call that chose it.
    expect(loops[0]?.parentSpanId).toMatch(/^00000000000001[12]/);
  });

  it("keeps answering 200 when the target is down, and counts what it drops", async () => {
    await new Promise((resolve) => receiver.close(resolve));
    for (let i = 0; i < 3; i++) {
      expect(await post(loopingRun(`d${i}`.padEnd(32, "d")), { "content-type": "application/json" })).toBe(
        200,
      );
    }
    const health = async () => (await (await fetch(`${collector.url}/health`)).json()) as Health;
    await until(
      async () => ((await health()).forward?.dropped ?? 0) >= 3,
      "the forwarder gave up on the three requests",
    );
    const now = await health();
    expect(now.status).toBe("ok");
    expect(now.forward).toMatchObject({ url: `${receiverUrl}/v1/traces`, queuedBytes: 0 });
    expect(now.forward?.lastError).toMatch(/no answer/);
  });
});
