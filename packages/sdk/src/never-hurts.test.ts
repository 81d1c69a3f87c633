// The SDK never hurts the agent: a real agent (fixtures/agent.ts) runs in its own process against
// collectors that fail in every way a collector can (none listening, refusing the key, overloaded
// for good, taking the connection and never answering) and one that works. Whatever the
// collector does, the agent exits 0 within the shutdown bound, and says once what it dropped.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SDK_DIR = fileURLToPath(new URL("..", import.meta.url));
const AGENT = fileURLToPath(new URL("./fixtures/agent.ts", import.meta.url));
const DEFAULT_BOUND_MILLIS = 5000;
/** What a loaded machine may add between the agent's last line and its exit being seen. */
const EXIT_SLACK_MILLIS = 2000;

interface AgentRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** `key value` lines the agent printed. */
  facts: Map<string, number>;
  /** From the agent's call of shutdown() to its exit, as this process saw it. */
  shutdownToExitMillis: number;
  /** The lines the SDK wrote (its warnings and the dropped count), without a user logger's prefix. */
  sdkLines: string[];
}

function runAgent(endpoint: string, args: string[] = []): Promise<AgentRun> {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith("OTEL_") || name.startsWith("LEANTRACE_")) delete env[name];
  }
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", AGENT, endpoint, ...args], {
    cwd: SDK_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => {
    child.once("close", (code) => {
      const exited = Date.now();
      const facts = new Map<string, number>();
      for (const line of stdout.split("\n")) {
        const [key, value] = line.split(" ");
        if (key && value !== undefined) facts.set(key, Number(value));
      }
      const sdkLines = stderr
        .split("\n")
        .map((line) => line.replace(/^user-diag: /, ""))
        .filter((line) => line.startsWith("leantrace"));
      resolve({
        code,
        stdout,
        stderr,
        facts,
        shutdownToExitMillis: exited - (facts.get("shutdown-started") ?? exited),
        sdkLines,
      });
    });
  });
}

interface Collector {
  readonly url: string;
  /** Spans received in OTLP/JSON requests answered 200. */
  readonly spans: number;
  close(): Promise<void>;
}

function listening(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
}

/** An HTTP collector answering every request with `answer` (after reading it). */
async function httpCollector(
  answer: (request: IncomingMessage, body: string, response: ServerResponse) => void,
) {
  const server = createHttpServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => answer(request, body, response));
  });
  const port = await listening(server);
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function countingCollector(): Promise<Collector> {
  let spans = 0;
  const collector = await httpCollector((_request, body, response) => {
    const request = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
    for (const resource of request.resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
    }
    response.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  return {
    ...collector,
    get spans() {
      return spans;
    },
  };
}

async function answering(status: number, headers: Record<string, string> = {}): Promise<Collector> {
  const collector = await httpCollector((_request, _body, response) => {
    response.writeHead(status, headers).end();
  });
  return { ...collector, spans: 0 };
}

/** Takes every connection and never says a word. */
async function silentCollector(): Promise<Collector> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const port = await listening(server);
  return {
    url: `http://127.0.0.1:${port}`,
    spans: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port with nothing listening on it (taken, then let go). */
async function nothingListening(): Promise<Collector> {
  const server = createTcpServer();
  const port = await listening(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${port}`, spans: 0, close: async () => {} };
}

function expectUnhurt(run: AgentRun, boundMillis: number): void {
  expect(run.code, run.stderr).toBe(0);
  expect(run.facts.get("shutdown-took"), run.stdout).toBeLessThanOrEqual(boundMillis + 500);
  expect(run.shutdownToExitMillis, run.stdout).toBeLessThanOrEqual(boundMillis + EXIT_SLACK_MILLIS);
}

/** The one warning, then the count: nothing else, and every span accounted for. */
function expectDroppedAll(run: AgentRun, collector: Collector, reason: string): void {
  const spans = run.facts.get("spans") ?? Number.NaN;
  const url = `${collector.url}/v1/traces`;
  expect(run.sdkLines, run.stderr).toHaveLength(2);
  const [warning, count] = run.sdkLines as [string, string];
  expect(warning).toMatch(/^leantrace: \d+ spans could not be exported to /);
  expect(warning).toContain(` could not be exported to ${url} (${reason}); dropped`);
  expect(count).toBe(`leantrace.sdk.dropped_spans=${spans}`);
  expect(run.facts.get("dropped")).toBe(spans);
}

describe.concurrent("an agent whose collector fails", () => {
  it("exits 0 when nothing listens, after retrying, with one warning and the count", async () => {
    const collector = await nothingListening();
    const run = await runAgent(collector.url);
    expectUnhurt(run, DEFAULT_BOUND_MILLIS);
    expectDroppedAll(run, collector, "ECONNREFUSED");
    // OpenTelemetry's retries ran (backoff from 1 s): refused at once, it still took a while.
    expect(run.facts.get("shutdown-took")).toBeGreaterThan(1000);
  });

  it("exits 0 when the collector refuses the key (401), at once", async () => {
    const collector = await answering(401);
    try {
      const run = await runAgent(collector.url);
      expectUnhurt(run, DEFAULT_BOUND_MILLIS);
      expectDroppedAll(run, collector, "HTTP 401 Unauthorized");
      // Not retryable: no waiting.
      expect(run.facts.get("shutdown-took")).toBeLessThan(1000);
    } finally {
      await collector.close();
    }
  });

  it("exits 0 when the collector answers 503 forever, within the bound", async () => {
    const collector = await answering(503, { "retry-after": "1" });
    try {
      const run = await runAgent(collector.url);
      expectUnhurt(run, DEFAULT_BOUND_MILLIS);
      expectDroppedAll(run, collector, "HTTP 503 Service Unavailable");
    } finally {
      await collector.close();
    }
  });

  it("exits 0 when the collector takes the connection and never answers, within the bound", async () => {
    const collector = await silentCollector();
    try {
      const run = await runAgent(collector.url);
      expectUnhurt(run, DEFAULT_BOUND_MILLIS);
      expectDroppedAll(run, collector, `no answer within ${DEFAULT_BOUND_MILLIS - 250} ms`);
    } finally {
      await collector.close();
    }
  });

  it("bounds forceFlush() and shutdown() by shutdownTimeoutMillis", async () => {
    const collector = await silentCollector();
    try {
      const run = await runAgent(collector.url, ["--flush", "--shutdown-timeout", "1500"]);
      expect(run.facts.get("flush-took"), run.stdout).toBeLessThanOrEqual(1500 + 500);
      expectUnhurt(run, 1500);
      expectDroppedAll(run, collector, "no answer within 1250 ms");
    } finally {
      await collector.close();
    }
  });

  it("warns through the agent's diag logger when it has one, and only there", async () => {
    const collector = await nothingListening();
    const run = await runAgent(collector.url, ["--user-diag", "--shutdown-timeout", "1500"]);
    expectUnhurt(run, 1500);
    expectDroppedAll(run, collector, "ECONNREFUSED");
    const ours = run.stderr.split("\n").filter((line) => line.includes("leantrace"));
    expect(
      ours.every((line) => line.startsWith("user-diag: leantrace")),
      run.stderr,
    ).toBe(true);
  });
});

describe.concurrent("an agent whose collector works", () => {
  it("delivers every span, and says nothing", async () => {
    const collector = await countingCollector();
    try {
      const run = await runAgent(collector.url);
      expectUnhurt(run, DEFAULT_BOUND_MILLIS);
      expect(collector.spans).toBe(run.facts.get("spans"));
      expect(run.facts.get("dropped")).toBe(0);
      expect(run.sdkLines, run.stderr).toEqual([]);
    } finally {
      await collector.close();
    }
  });

  it("counts the spans a full queue turned away, and delivers the rest", async () => {
    const collector = await countingCollector();
    try {
      const run = await runAgent(collector.url, ["--max-queue", "10"]);
      expectUnhurt(run, DEFAULT_BOUND_MILLIS);
      const spans = run.facts.get("spans") ?? Number.NaN;
      const dropped = run.facts.get("dropped") ?? Number.NaN;
      expect(dropped).toBeGreaterThan(0);
      expect(collector.spans + dropped).toBe(spans);
      expect(run.sdkLines, run.stderr).toEqual([
        expect.stringMatching(
          /^leantrace: \d+ spans did not fit in the export queue \(maxQueueSize 10\); dropped$/,
        ),
        `leantrace.sdk.dropped_spans=${dropped}`,
      ]);
    } finally {
      await collector.close();
    }
  });
});
