// Sends the corpora's runs to a collector through the SDK, as a live agent would have, and writes
// which span came from which message (to read findings against labels).
//
//   tsx examples/real-corpora/send.ts --endpoint URL --corpora DIR --capture on|off --sources FILE [--corpus NAME ...]
//
// The SDK's settings (content capture) are per process: measure.ts runs this once per mode.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { init } from "@leantrace/sdk/init";
import { loadCorpora } from "./corpora/index.ts";
import { replay, type SpanSources } from "./replay.ts";

const { values } = parseArgs({
  options: {
    endpoint: { type: "string" },
    corpora: { type: "string" },
    capture: { type: "string", default: "on" },
    sources: { type: "string" },
    corpus: { type: "string", multiple: true },
  },
});
if (!values.endpoint || !values.corpora || !values.sources) {
  console.error(
    "usage: send.ts --endpoint URL --corpora DIR --capture on|off --sources FILE [--corpus NAME ...]",
  );
  process.exit(2);
}

const sdk = init({
  endpoint: values.endpoint,
  serviceName: "corpus-replay",
  captureContent: values.capture === "on",
  exportDelayMillis: 200,
  // A replay sends in seconds what agents took hours to produce: the collector pushes back
  // (429 with Retry-After) and the exporter waits; flushing must outlast that, or spans drop.
  shutdownTimeoutMillis: 300_000,
});
const sources: SpanSources = {};
try {
  for (const [corpus, runs] of await loadCorpora(values.corpora, values.corpus)) {
    for (const run of runs) await replay(run, sources);
    console.log(`sent ${runs.length} runs of ${corpus.name}`);
  }
  await sdk.forceFlush();
} finally {
  await sdk.shutdown();
}
await writeFile(values.sources, JSON.stringify(sources));
