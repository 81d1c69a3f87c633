import { budgetStatusSchema, budgetsSchema, formatBudgets, type Period } from "@leantrace/budgets";
import { BREAKDOWNS, breakdownSchema, formatUsage, usageCsv } from "@leantrace/reports";
import { type Command, Option } from "commander";
import { z } from "zod";
import { apiUrl, CliError, requestJson, withEndpoint } from "../http.ts";
import { withOutputFormat } from "./options.ts";

interface SetFlags {
  endpoint: string;
  team: string;
  soft?: string;
  json?: boolean;
  [limit: string]: string | boolean | undefined;
}

const PERIOD_FLAGS: { period: Period; word: string }[] = [
  { period: "day", word: "daily" },
  { period: "week", word: "weekly" },
  { period: "month", word: "monthly" },
];

/** A limit flag's value: a whole number of tokens, or US dollars. */
function limit(
  name: string,
  value: string | boolean | undefined,
  kind: "tokens" | "cost",
): number | undefined {
  if (value === undefined || typeof value === "boolean") return undefined;
  const n = Number(value.replace(/^\$/, "").replaceAll("_", "").replaceAll(",", ""));
  const ok = kind === "tokens" ? Number.isSafeInteger(n) && n > 0 : Number.isFinite(n) && n > 0;
  if (!ok) {
    throw new CliError(
      `${name} ${JSON.stringify(value)} is not valid: expected ${kind === "tokens" ? "a whole number of tokens, e.g. 5000000" : "US dollars, e.g. 250"}`,
      2,
    );
  }
  return n;
}

function softShare(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = value.endsWith("%") ? Number(value.slice(0, -1)) / 100 : Number(value);
  if (!(n > 0 && n <= 1)) {
    throw new CliError(
      `--soft ${JSON.stringify(value)} is not valid: expected a share such as 0.8 or 80%`,
      2,
    );
  }
  return n;
}

export function budgetsCommand(program: Command): void {
  const budgets = program
    .command("budgets")
    .description("token and cost budgets per team: where each stands this period (list, set, delete)");
  withEndpoint(budgets.command("list", { isDefault: true }))
    .description("where each budget stands this period (the default)")
    .option("--json", "print JSON for scripts")
    .action(async (flags: { endpoint: string; json?: boolean }) => {
      const result = await requestJson(apiUrl(flags.endpoint, "api/v1/budgets"), budgetsSchema);
      if (flags.json) {
        const shape = result.budgets.map(
          ({ team, period, limitTokens, usedTokens, limitCost, usedCost, state }) => ({
            team,
            period,
            limitTokens,
            usedTokens,
            limitCost,
            usedCost,
            state,
          }),
        );
        console.log(JSON.stringify({ budgets: shape }));
      } else console.log(formatBudgets(result));
    });

  const set = withEndpoint(budgets.command("set"))
    .description("set a team's budget (one per period given); an existing one is replaced")
    .requiredOption("--team <name>", "the team: leantrace.team on its spans, else the project")
    .option("--soft <share>", "the share of each limit that is the soft limit (default: 0.8)");
  for (const { word } of PERIOD_FLAGS) {
    set.option(
      `--${word}-tokens <n>`,
      `tokens per ${word === "daily" ? "UTC day" : word === "weekly" ? "ISO week" : "calendar month"}`,
    );
    set.option(
      `--${word}-cost <usd>`,
      `US dollars per ${word === "daily" ? "day" : word === "weekly" ? "week" : "month"}`,
    );
  }
  set.option("--json", "print JSON for scripts").action(async (flags: SetFlags) => {
    const soft = softShare(flags.soft);
    const wanted = PERIOD_FLAGS.map(({ period, word }) => {
      const camel = word;
      const tokens = limit(`--${word}-tokens`, flags[`${camel}Tokens`], "tokens");
      const cost = limit(`--${word}-cost`, flags[`${camel}Cost`], "cost");
      return { period, tokens, cost };
    }).filter((w) => w.tokens !== undefined || w.cost !== undefined);
    if (wanted.length === 0) {
      throw new CliError("give a limit, e.g. --monthly-tokens 5000000 or --monthly-cost 250", 2);
    }
    const results = [];
    for (const w of wanted) {
      results.push(
        await requestJson(apiUrl(flags.endpoint, "api/v1/budgets"), budgetStatusSchema, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            team: flags.team,
            period: w.period,
            ...(w.tokens === undefined ? {} : { limitTokens: w.tokens }),
            ...(w.cost === undefined ? {} : { limitCost: w.cost }),
            ...(soft === undefined ? {} : { soft }),
          }),
        }),
      );
    }
    console.log(flags.json ? JSON.stringify({ budgets: results }) : formatBudgets({ budgets: results }));
  });

  withEndpoint(budgets.command("delete"))
    .description("remove a team's budget for a period")
    .requiredOption("--team <name>", "the team")
    .addOption(
      new Option("--period <period>", "day, week or month")
        .choices(["day", "week", "month"])
        .makeOptionMandatory(),
    )
    .action(async (flags: { endpoint: string; team: string; period: string }) => {
      await requestJson(
        apiUrl(flags.endpoint, "api/v1/budgets", { team: flags.team, period: flags.period }),
        z.object({ deleted: z.object({ team: z.string(), period: z.string() }) }),
        { method: "DELETE" },
      );
      console.log(`Removed the ${flags.period} budget of team ${flags.team}.`);
    });
}

export function usageCommand(program: Command): void {
  withOutputFormat(withEndpoint(program.command("usage")))
    .description(
      "chargeback: tokens and cost per team, app, workflow, model or user for a month, with outcomes and waste",
    )
    .addOption(new Option("--by <group>", "what to group by").choices(BREAKDOWNS).default("team"))
    .option("--month <YYYY-MM>", "a calendar month in UTC (default: this month)")
    .action(
      async (flags: { endpoint: string; by: string; month?: string; json?: boolean; csv?: boolean }) => {
        const report = await requestJson(
          apiUrl(flags.endpoint, "api/v1/usage", { by: flags.by, month: flags.month }),
          breakdownSchema.extend({ month: z.string() }),
        );
        console.log(flags.json ? JSON.stringify(report) : flags.csv ? usageCsv(report) : formatUsage(report));
      },
    );
}
