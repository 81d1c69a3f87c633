import { formatWorkflowReport, workflowReportSchema } from "@leantrace/reports";
import type { Command } from "commander";
import { apiUrl, DEFAULT_ENDPOINT, requestJson } from "../http.ts";

export function reportCommand(program: Command): void {
  program
    .command("report")
    .description("tokens per successful outcome, per workflow")
    .option("--endpoint <url>", "the collector's address", DEFAULT_ENDPOINT)
    .option("--workflow <name>", "only this workflow")
    .option("--json", "print JSON for scripts")
    .action(async (flags: { endpoint: string; workflow?: string; json?: boolean }) => {
      const report = await requestJson(
        apiUrl(flags.endpoint, "api/v1/report", { workflow: flags.workflow }),
        workflowReportSchema,
      );
      console.log(flags.json ? JSON.stringify(report) : formatWorkflowReport(report));
    });
}
