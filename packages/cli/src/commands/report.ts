import { formatWorkflowReport, workflowReportSchema } from "@leantrace/reports";
import type { Command } from "commander";
import { apiUrl, CliError, requestJson, withEndpoint } from "../http.ts";

export function reportCommand(program: Command): void {
  withEndpoint(program.command("report"))
    .description("tokens per successful outcome, per workflow")
    .option("--workflow <name>", "only this workflow")
    .option("--json", "print JSON for scripts")
    .action(async (flags: { endpoint: string; workflow?: string; json?: boolean }) => {
      const report = await requestJson(
        apiUrl(flags.endpoint, "api/v1/report", { workflow: flags.workflow }),
        workflowReportSchema,
      );
      if (flags.workflow !== undefined && report.workflows.length === 0) {
        throw new CliError(
          `no runs of workflow ${JSON.stringify(flags.workflow)} were found: \`leantrace report\` lists the workflows there are`,
        );
      }
      console.log(flags.json ? JSON.stringify(report) : formatWorkflowReport(report));
    });
}
