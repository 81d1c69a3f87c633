// An agent evaluation suite as it would run in CI: every case (a support ticket) run a few
// times, spans written by the SDK's file exporter, no collector. `--regress` makes the agent
// loop on a tool call, the kind of change a prompt edit can cause.
//
//   LEANTRACE_EXPORT_TO=file:DIR tsx examples/ci-gate/eval-suite.ts [--regress] [--seed N] [--cases 20] [--repeats 2]
//   tsx examples/ci-gate/eval-suite.ts (--out DIR | --endpoint URL) [...]
//
// The first form is how CI runs it (.github/actions/leantrace-check sets LEANTRACE_EXPORT_TO):
// the SDK's init() reads the variable, the suite needs no flag. With --endpoint the spans go to a
// collector instead; set LEANTRACE_CI_RUN_ID to select them.
import { parseArgs } from "node:util";
import { init } from "@leantrace/sdk/init";
import { handleTicket, type Scenario, ticketsOfTheDay } from "../support-agent/agent.ts";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    endpoint: { type: "string" },
    regress: { type: "boolean", default: false },
    seed: { type: "string", default: "1" },
    cases: { type: "string", default: "20" },
    repeats: { type: "string", default: "2" },
  },
});
const fromEnv = process.env.LEANTRACE_EXPORT_TO;
if (values.out !== undefined && values.endpoint !== undefined) {
  console.error("eval-suite: give --out DIR or --endpoint URL, not both");
  process.exit(2);
}
if (values.out === undefined && values.endpoint === undefined && !fromEnv) {
  console.error(
    "eval-suite: say where the spans go: LEANTRACE_EXPORT_TO=file:DIR, --out DIR (files) or --endpoint URL (a collector)",
  );
  process.exit(2);
}

const sdk = init({
  ...(values.out !== undefined
    ? { exportTo: `file:${values.out}` }
    : values.endpoint !== undefined
      ? { endpoint: values.endpoint, exportTo: "http" }
      : {}),
  serviceName: "support-agent-eval",
  exportDelayMillis: 200,
});
const seed = Number(values.seed);
const scenario: Scenario = values.regress ? "loop" : "clean";
// The same cases every time: each ticket is an evaluation case.
const cases = ticketsOfTheDay(Number(values.cases));
let resolved = 0;
let runs = 0;
for (const [i, ticket] of cases.entries()) {
  for (let repeat = 0; repeat < Number(values.repeats); repeat++) {
    // Run-to-run noise: about one run in ten fails, whatever the change.
    const fails = ((seed * 7919 + i * 104_729 + repeat * 15_485_863) % 100) / 100 < 0.1;
    const ok = await handleTicket(
      { ...ticket, scenario: fails ? "fails" : scenario },
      seed * 1000 + i * 10 + repeat,
    );
    runs++;
    if (ok) resolved++;
  }
}
await sdk.shutdown();
console.log(
  `eval suite: ${runs} runs over ${cases.length} cases, ${resolved} resolved; spans sent to ${values.out ?? values.endpoint ?? fromEnv}`,
);
