import { FINDING_KINDS, findingsSchema, formatFindings } from "@leantrace/reports";
import { type Command, Option } from "commander";
import { apiUrl, DEFAULT_ENDPOINT, requestJson } from "../http.ts";

export function findingsCommand(program: Command): void {
  program
    .command("findings")
    .description("where runs wasted tokens, and why")
    .option("--endpoint <url>", "the collector's address", DEFAULT_ENDPOINT)
    .option("--workflow <name>", "only this workflow")
    .option("--run <id>", "only this run")
    .addOption(new Option("--kind <kind>", "only this kind of finding").choices(FINDING_KINDS))
    .option("--json", "print JSON for scripts")
    .action(
      async (flags: { endpoint: string; workflow?: string; run?: string; kind?: string; json?: boolean }) => {
        const result = await requestJson(
          apiUrl(flags.endpoint, "api/v1/findings", {
            workflow: flags.workflow,
            run: flags.run,
            kind: flags.kind,
          }),
          findingsSchema,
        );
        if (!flags.json) {
          console.log(formatFindings(result));
          return;
        }
        // The documented shape for scripts: these fields, in this order.
        const findings = result.findings.map((f) => ({
          runId: f.runId,
          workflow: f.workflow,
          kind: f.kind,
          pattern: f.pattern,
          spanIds: f.spanIds,
          wastedTokens: f.wastedTokens,
          explanation: f.explanation,
        }));
        console.log(JSON.stringify({ findings }));
      },
    );
}
