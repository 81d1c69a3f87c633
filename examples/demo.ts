// The Quick start's demo: a collector on a throw-away embedded ClickHouse, the examples sent to
// it over OTLP/HTTP, the report printed, everything stopped and removed. With `--keep` the
// collector stays up for the dashboard until Ctrl-C.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnCollector } from "@leantrace/testing";
import { runExamples } from "./run-examples.ts";

const workDir = await mkdtemp(join(tmpdir(), "leantrace-demo-"));
const dataDir = join(workDir, "data");
console.log(`Starting the collector on an embedded ClickHouse in ${dataDir} ...`);
const collector = await spawnCollector(["--data", dataDir, "--wal", join(workDir, "wal")]);
try {
  console.log(`Collector up at ${collector.url}. Running the example agents ...`);
  const counts = await runExamples(collector.url);
  console.log(
    `Sent ${counts.tickets} simulated support tickets and ${counts.replayed} real mini-swe-agent runs.\n`,
  );
  const bin = fileURLToPath(new URL("../packages/cli/bin/leantrace.js", import.meta.url));
  const leantrace = (...args: string[]) => {
    console.log(`\n$ leantrace ${args.join(" ")}\n`);
    execFileSync(process.execPath, [bin, ...args, "--endpoint", collector.url], { stdio: "inherit" });
  };
  leantrace("analyze");
  leantrace("report");
  leantrace("findings", "--workflow", "support-ticket");
  if (process.argv.includes("--keep")) {
    console.log(`\nThe dashboard: ${collector.url}/ (Ctrl-C stops the collector and removes the demo data)`);
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  } else {
    console.log(
      "\nTo browse it in the dashboard: npx -y pnpm@10 demo --keep (it prints the address to open)",
    );
  }
} finally {
  const code = await collector.stop();
  await rm(workDir, { recursive: true, force: true });
  console.log(`\nCollector stopped (exit code ${code}); demo data removed.`);
}
