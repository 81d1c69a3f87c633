import type { Command } from "commander";
import { z } from "zod";
import { apiUrl, requestJson, withEndpoint } from "../http.ts";

const passSchema = z.object({
  passId: z.string(),
  runs: z.number(),
  findings: z.number(),
  durationMillis: z.number(),
  timings: z.record(z.string(), z.number()),
});

export function analyzeCommand(program: Command): void {
  withEndpoint(program.command("analyze"))
    .description("analyze the complete runs that changed since the last pass, now")
    .option("--full", "analyze every complete run, not only those that changed")
    .option("--json", "print JSON for scripts")
    .action(async (flags: { endpoint: string; full?: boolean; json?: boolean }) => {
      const pass = await requestJson(apiUrl(flags.endpoint, "api/v1/analyze"), passSchema, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ full: flags.full ?? false }),
      });
      console.log(
        flags.json
          ? JSON.stringify(pass)
          : `Analyzed ${pass.runs} run(s) in ${pass.durationMillis} ms: ${pass.findings} finding(s).`,
      );
    });
}
