import {
  BREAKDOWNS,
  breakdownCsv,
  breakdownSchema,
  formatBreakdown,
  formatWorkflowReport,
  workflowReportCsv,
  workflowReportSchema,
} from "@leantrace/reports";
import { type Command, Option } from "commander";
import { apiUrl, CliError, requestJson, withEndpoint } from "../http.ts";
import { withOutputFormat, withTimeWindow } from "./options.ts";

interface ReportFlags {
  endpoint: string;
  workflow?: string;
  since?: string;
  until?: string;
  by?: string;
  json?: boolean;
  csv?: boolean;
}

export function reportCommand(program: Command): void {
  withOutputFormat(withTimeWindow(withEndpoint(program.command("report"))))
    .description("tokens per successful outcome, per workflow (or per model, kind, version, team or case)")
    .option("--workflow <name>", "only this workflow")
    .addOption(new Option("--by <dimension>", "break the tokens down by this instead").choices(BREAKDOWNS))
    .action(async (flags: ReportFlags) => {
      const window = { since: flags.since, until: flags.until };
      if (flags.by !== undefined) {
        const report = await requestJson(
          apiUrl(flags.endpoint, "api/v1/report", { ...window, workflow: flags.workflow, by: flags.by }),
          breakdownSchema,
        );
        console.log(
          flags.json ? JSON.stringify(report) : flags.csv ? breakdownCsv(report) : formatBreakdown(report),
        );
        return;
      }
      const report = await requestJson(
        apiUrl(flags.endpoint, "api/v1/report", { ...window, workflow: flags.workflow }),
        workflowReportSchema,
      );
      if (flags.workflow !== undefined && report.workflows.length === 0) {
        throw new CliError(
          `no runs of workflow ${JSON.stringify(flags.workflow)} were found${flags.since || flags.until ? " in this window" : ""}: \`leantrace report\` lists the workflows there are`,
        );
      }
      console.log(
        flags.json
          ? JSON.stringify(report)
          : flags.csv
            ? workflowReportCsv(report)
            : formatWorkflowReport(report),
      );
    });
}
