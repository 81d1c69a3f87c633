-- Reports ask about runs, and resolving every run from its spans on each question costs a scan
-- of all spans (seconds at ten million). Runs are now summarised as their spans land, and the
-- `runs` view reads the summaries, resolving from the spans only the runs that received spans
-- since the summaries were last brought up to date. Its rows are the same as before.
-- Statements are separated by a line holding only ";".
--
-- Spans ingested up to this time are in the summaries.
CREATE TABLE IF NOT EXISTS {db:Identifier}.run_summary_watermark
(
    read_until DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY tuple()
;
-- The runs that received spans after the summaries' watermark, resolved from their spans (what
-- the `runs` view computed inline for every run before): the one definition of a run, used by
-- the summariser (which writes these rows into `run_summary`) and by the view for the runs not
-- summarised yet. Without a watermark (a store no collector summarises, such as the CI gate's),
-- that is every run. The run id is matched alone first: the spans' bloom filter on it skips
-- the granules of other runs.
CREATE VIEW IF NOT EXISTS {db:Identifier}.runs_touched AS
SELECT
    project,
    run_id,
    argMinIf(workflow, start_time, workflow != '') AS named_workflow,
    argMinIf(span_name, start_time, parent_span_id = '') AS root_name,
    argMaxIf(outcome, end_time, outcome != '') AS span_outcome,
    argMinIf(service_version, start_time, service_version != '') AS run_version,
    argMinIf(case_id, start_time, case_id != '') AS run_case,
    argMinIf(ci_run_id, start_time, ci_run_id != '') AS run_ci,
    sum(total_tokens) AS run_tokens,
    sum(cost) AS run_cost,
    sumIf(total_tokens, isNotNull(cost)) AS run_priced_tokens,
    min(start_time) AS started_at,
    max(end_time) AS ended_at,
    maxIf(outcome_decided_at, toUnixTimestamp64Nano(outcome_decided_at) > 0) AS outcome_at,
    maxIf(end_time, final_answer = 1) AS answer_at,
    if(
        toUnixTimestamp64Nano(outcome_at) > 0 AND toUnixTimestamp64Nano(answer_at) > 0,
        least(outcome_at, answer_at),
        greatest(outcome_at, answer_at)
    ) AS decided_at,
    max(ingested_at) AS last_ingested_at,
    count() AS span_count
FROM {db:Identifier}.spans FINAL
WHERE run_id IN (
        SELECT run_id FROM {db:Identifier}.spans
        WHERE ingested_at > (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark))
    AND (project, run_id) IN (
        SELECT project, run_id FROM {db:Identifier}.spans
        WHERE ingested_at > (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark))
GROUP BY project, run_id
;
-- Each run as last summarised (packages/budgets/src/meter.ts writes it every few seconds).
CREATE TABLE IF NOT EXISTS {db:Identifier}.run_summary
ENGINE = ReplacingMergeTree(summarized_at)
ORDER BY (project, run_id)
EMPTY AS SELECT *, now64(3) AS summarized_at FROM {db:Identifier}.runs_touched
;
-- Finding the spans that arrived since then reads few granules.
ALTER TABLE {db:Identifier}.spans ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1
;
DROP VIEW IF EXISTS {db:Identifier}.runs
;
-- One row per run of a project, resolved from its spans and any late outcome:
--   workflow: the first `gen_ai.workflow.name` on its spans, else its root span's name;
--   outcome: the latest posted to /v1/outcomes, else the last recorded on its spans, else unknown;
--   service_version, case_id, ci_run_id: the first non-empty value on its spans;
--   total_tokens and cost: summed over its LLM and embedding steps;
--   decided_at: when its outcome was decided, or its final answer ended (0 when unknown).
-- A run with spans ingested after the summaries' watermark is resolved from its spans; every
-- other run is read from its summary. Without summaries (a store no collector meters, such as
-- the CI gate's), every run is resolved from its spans, as before.
CREATE VIEW {db:Identifier}.runs AS
SELECT
    s.project AS project,
    s.run_id AS run_id,
    multiIf(s.named_workflow != '', s.named_workflow, s.root_name != '', s.root_name, '(unnamed)') AS workflow,
    multiIf(o.late_outcome != '', o.late_outcome, s.span_outcome != '', s.span_outcome, 'unknown') AS outcome,
    s.run_version AS service_version,
    s.run_case AS case_id,
    s.run_ci AS ci_run_id,
    s.run_tokens AS total_tokens,
    s.run_cost AS cost,
    s.run_priced_tokens AS priced_tokens,
    s.started_at AS started_at,
    s.ended_at AS ended_at,
    s.decided_at AS decided_at,
    s.last_ingested_at AS last_ingested_at,
    o.outcome_received_at AS outcome_received_at,
    s.span_count AS spans
FROM
(
    SELECT * EXCEPT summarized_at
    FROM {db:Identifier}.run_summary FINAL
    WHERE (project, run_id) NOT IN (
        SELECT project, run_id FROM {db:Identifier}.spans
        WHERE ingested_at > (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark))
    UNION ALL
    SELECT * FROM {db:Identifier}.runs_touched
) AS s
LEFT JOIN
(
    SELECT project, run_id, argMax(outcome, received_at) AS late_outcome, max(received_at) AS outcome_received_at
    FROM {db:Identifier}.outcomes
    GROUP BY project, run_id
) AS o USING (project, run_id)
SETTINGS join_use_nulls = 0
