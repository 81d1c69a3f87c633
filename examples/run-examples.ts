// Runs the examples against a collector: a day of simulated support tickets, then the real
// mini-swe-agent runs replayed. Spans leave through the SDK's OTLP/HTTP exporter.

import { fileURLToPath } from "node:url";
import { init } from "@leantrace/sdk/init";
import { loadMiniSweAgent } from "./real-corpora/corpora/mini-swe-agent.ts";
import { replay } from "./real-corpora/replay.ts";
import { handleTicket, ticketsOfTheDay } from "./support-agent/agent.ts";

/** Seven real mini-swe-agent runs kept in the repository (MIT; see their LICENSE.md). */
const REAL_RUNS = new URL("./real-corpora/data/mini-swe-agent/", import.meta.url);

export interface ExampleCounts {
  tickets: number;
  replayed: number;
}

export interface ExampleOptions {
  /** Support tickets to simulate. @default 28 */
  tickets?: number;
  /** The agents' `service.version`. @default "1.0.0" */
  version?: string;
  /** Replay the real runs too (their run ids are fixed: replay them once per collector). @default true */
  replays?: boolean;
}

export async function runExamples(endpoint: string, options: ExampleOptions = {}): Promise<ExampleCounts> {
  const sdk = init({
    endpoint,
    serviceName: "leantrace-examples",
    serviceVersion: options.version ?? "1.0.0",
  });
  try {
    const day = ticketsOfTheDay(options.tickets ?? 28);
    for (const [i, ticket] of day.entries()) await handleTicket(ticket, i + 1);
    const trajectories = options.replays === false ? [] : await loadMiniSweAgent(fileURLToPath(REAL_RUNS));
    for (const trajectory of trajectories) await replay(trajectory);
    await sdk.forceFlush();
    return { tickets: day.length, replayed: trajectories.length };
  } finally {
    await sdk.shutdown();
  }
}

// Run directly: `tsx examples/run-examples.ts [endpoint] [version]` against a collector already
// running; a version other than the first sends only support tickets.
if (import.meta.url === `file://${process.argv[1]}`) {
  const endpoint = process.argv[2] ?? "http://127.0.0.1:4318";
  const version = process.argv[3];
  const counts = await runExamples(endpoint, version === undefined ? {} : { version, replays: false });
  console.log(`sent ${counts.tickets} support tickets and ${counts.replayed} replayed runs to ${endpoint}`);
}
