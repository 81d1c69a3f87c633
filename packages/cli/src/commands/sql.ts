import { formatSqlResult, sqlResultCsv, sqlResultSchema } from "@leantrace/reports/sql";
import { type Command, Option } from "commander";
import { apiUrl, requestJson, withEndpoint } from "../http.ts";

const FORMATS = ["pretty", "json", "csv"] as const;

interface SqlFlags {
  endpoint: string;
  format: (typeof FORMATS)[number];
}

export function sqlCommand(program: Command): void {
  withEndpoint(program.command("sql"))
    .description("run one read-only SELECT on the collector's tables, confined to your project")
    .argument("<query>", 'e.g. "SELECT model, sum(total_tokens) FROM leantrace.spans GROUP BY model"')
    .addOption(
      new Option("--format <format>", "an aligned table, JSON for scripts, or CSV")
        .choices(FORMATS)
        .default("pretty"),
    )
    .action(async (query: string, flags: SqlFlags) => {
      // Always JSON on the wire: the CSV is made here from the same rows, as the collector makes it.
      const result = await requestJson(apiUrl(flags.endpoint, "api/v1/sql"), sqlResultSchema, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
      if (flags.format === "json") console.log(JSON.stringify(result));
      else if (flags.format === "csv") process.stdout.write(sqlResultCsv(result));
      else console.log(formatSqlResult(result));
      if (result.truncated && flags.format !== "pretty") {
        console.error(`leantrace: the result was cut at ${result.rows.length} rows`);
      }
    });
}
