import {
  DEFAULT_FINDINGS_LIMIT,
  FINDING_CONFIDENCES,
  FINDING_KINDS,
  findingsCsv,
  findingsSchema,
  findingsSummaryCsv,
  findingsSummarySchema,
  formatFindings,
  formatFindingsSummary,
} from "@leantrace/reports";
import { type Command, Option } from "commander";
import { apiUrl, requestJson, withEndpoint } from "../http.ts";
import { integerOption, withOutputFormat, withTimeWindow } from "./options.ts";

interface FindingsFlags {
  endpoint: string;
  workflow?: string;
  run?: string;
  serviceVersion?: string;
  since?: string;
  until?: string;
  kind?: string;
  pattern?: string;
  confidence?: string;
  limit: string;
  cursor?: string;
  summary?: boolean;
  json?: boolean;
  csv?: boolean;
}

export function findingsCommand(program: Command): void {
  withOutputFormat(withTimeWindow(withEndpoint(program.command("findings"))))
    .description("where runs wasted tokens, and why")
    .option("--workflow <name>", "only this workflow")
    .option("--run <id>", "only this run")
    .option("--service-version <version>", "only runs of this service.version")
    .addOption(new Option("--kind <kind>", "only this kind of finding").choices(FINDING_KINDS))
    .option("--pattern <pattern>", "only this pattern (repeat, refused, repeated_read, ...)")
    .addOption(
      new Option("--confidence <level>", "only certain findings, or only suggestions").choices(
        FINDING_CONFIDENCES,
      ),
    )
    .option("--limit <n>", "at most this many findings, largest waste first", String(DEFAULT_FINDINGS_LIMIT))
    .option("--cursor <cursor>", "the next page, as the previous one said")
    .option("--summary", "per pattern: findings, runs and tokens, instead of the findings")
    .action(async (flags: FindingsFlags) => {
      const filter = {
        workflow: flags.workflow,
        run: flags.run,
        kind: flags.kind,
        since: flags.since,
        until: flags.until,
      };
      if (flags.summary) {
        const summary = await requestJson(
          apiUrl(flags.endpoint, "api/v1/findings/summary", filter),
          findingsSummarySchema,
        );
        console.log(
          flags.json
            ? JSON.stringify(summary)
            : flags.csv
              ? findingsSummaryCsv(summary)
              : formatFindingsSummary(summary),
        );
        return;
      }
      const limit = integerOption("--limit", flags.limit, 1, 100_000);
      const result = await requestJson(
        apiUrl(flags.endpoint, "api/v1/findings", {
          ...filter,
          version: flags.serviceVersion,
          pattern: flags.pattern,
          confidence: flags.confidence,
          limit: String(limit),
          cursor: flags.cursor,
        }),
        findingsSchema,
      );
      if (!flags.json) {
        console.log(flags.csv ? findingsCsv(result) : formatFindings(result));
        return;
      }
      // The documented shape for scripts: these fields, in this order.
      const findings = result.findings.map((f) => ({
        id: f.id,
        runId: f.runId,
        workflow: f.workflow,
        kind: f.kind,
        pattern: f.pattern,
        confidence: f.confidence,
        spanIds: f.spanIds,
        wastedSpanIds: f.wastedSpanIds,
        wastedSpanTokens: f.wastedSpanTokens,
        wastedTokens: f.wastedTokens,
        carriedTokens: f.carriedTokens,
        carriedEstimated: f.carriedEstimated,
        explanation: f.explanation,
      }));
      console.log(JSON.stringify({ findings, nextCursor: result.nextCursor }));
    });
}
