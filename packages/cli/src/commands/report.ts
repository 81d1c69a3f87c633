import { budgetsSchema } from "@leantrace/budgets";
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

/** A line per budget past its soft or hard limit this period; none when the collector has none. */
async function budgetLines(endpoint: string): Promise<string[]> {
  const { budgets } = await requestJson(apiUrl(endpoint, "api/v1/budgets"), budgetsSchema).catch(() => ({
    budgets: [],
  }));
  return budgets
    .filter((b) => b.state !== "ok")
    .map((b) => {
      const used = [
        b.limitTokens === null ? "" : `${Math.round((100 * b.usedTokens) / b.limitTokens)}% of its tokens`,
        b.limitCost === null ? "" : `${Math.round((100 * b.usedCost) / b.limitCost)}% of its cost`,
      ].filter((part) => part !== "");
      const level = b.state === "hard_exceeded" ? "HARD limit passed" : "soft limit passed";
      return `budget: team ${b.team} has used ${used.join(" and ")} for this ${b.period} (${b.periodStart}..${b.periodEnd}): ${level}`;
    });
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
      if (!flags.json && !flags.csv) {
        for (const line of await budgetLines(flags.endpoint)) console.log(line);
      }
    });
}
