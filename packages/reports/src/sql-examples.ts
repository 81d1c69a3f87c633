// Saved queries the dashboard's SQL page offers and `leantrace sql` users can start from: each
// reads only what `POST /api/v1/sql` allows, and is run against real data by the tests.

export interface ExampleQuery {
  name: string;
  description: string;
  sql: string;
}

export const EXAMPLE_QUERIES: readonly ExampleQuery[] = [
  {
    name: "Tokens by model and step kind",
    description: "Where the tokens go: each model's tokens and cost, per kind of step, last 7 days.",
    sql: `SELECT model, kind, sum(total_tokens) AS tokens, round(sum(cost), 4) AS cost, count() AS steps
FROM leantrace.spans FINAL
WHERE start_time > now() - INTERVAL 7 DAY AND total_tokens > 0
GROUP BY model, kind
ORDER BY tokens DESC`,
  },
  {
    name: "Most expensive runs",
    description: "The 20 runs that used the most tokens, with their workflow, outcome and version.",
    sql: `SELECT run_id, workflow, outcome, service_version, total_tokens, cost, spans
FROM leantrace.runs
ORDER BY total_tokens DESC
LIMIT 20`,
  },
  {
    name: "Tokens per successful run, by workflow",
    description: "What a success costs in each workflow: tokens of all runs divided by the successful ones.",
    sql: `SELECT workflow, count() AS runs, countIf(outcome = 'success') AS successes,
  sum(total_tokens) AS tokens, round(tokens / nullIf(successes, 0)) AS tokens_per_success
FROM leantrace.runs
GROUP BY workflow
ORDER BY tokens DESC`,
  },
  {
    name: "Waste by pattern",
    description: "The current findings per pattern: how many runs, and the tokens they wasted.",
    sql: `SELECT kind, pattern, count() AS findings, uniqExact(run_id) AS runs, sum(wasted_tokens) AS wasted_tokens
FROM leantrace.current_findings
WHERE confidence = 'certain'
GROUP BY kind, pattern
ORDER BY wasted_tokens DESC`,
  },
  {
    name: "Most called tools",
    description: "Each tool's calls, failures and the size of what it returned.",
    sql: `SELECT tool_name, count() AS calls, countIf(status_code = 'error') AS failures,
  round(avg(result_chars)) AS avg_result_chars
FROM leantrace.spans FINAL
WHERE kind = 'tool'
GROUP BY tool_name
ORDER BY calls DESC
LIMIT 50`,
  },
  {
    name: "Slowest LLM calls",
    description: "The 20 slowest model calls, with their run and tokens.",
    sql: `SELECT run_id, span_name, model, duration_ns / 1e9 AS seconds, input_tokens, output_tokens
FROM leantrace.spans FINAL
WHERE kind = 'llm'
ORDER BY duration_ns DESC
LIMIT 20`,
  },
];
