-- Tokens per successful outcome, per workflow.
--
-- A run is `leantrace.run.id` when set, else its trace. Its workflow is the first
-- `gen_ai.workflow.name` seen on its spans, else its root span's name. Its outcome is the latest
-- one posted to /v1/outcomes, else the last one recorded on its spans, else `unknown`.
-- Tokens count only on LLM and embedding steps (`total_tokens` is 0 on wrapper spans), so
-- usage repeated on a parent span is not counted twice.
--
-- tokens_per_success = all tokens of all runs, failed and unknown ones included, divided by
-- the successful runs; NULL when there is none.
WITH
    run_spans AS
    (
        SELECT
            run_id,
            argMinIf(workflow, start_time, workflow != '') AS named_workflow,
            argMinIf(span_name, start_time, parent_span_id = '') AS root_name,
            argMaxIf(outcome, end_time, outcome != '') AS span_outcome,
            sum(total_tokens) AS tokens
        FROM {db:Identifier}.spans FINAL
        GROUP BY run_id
    ),
    late_outcomes AS
    (
        SELECT run_id, argMax(outcome, received_at) AS late_outcome
        FROM {db:Identifier}.outcomes
        GROUP BY run_id
    ),
    runs AS
    (
        SELECT
            multiIf(named_workflow != '', named_workflow, root_name != '', root_name, '(unnamed)') AS workflow,
            multiIf(late_outcome != '', late_outcome, span_outcome != '', span_outcome, 'unknown') AS outcome,
            tokens
        FROM run_spans
        LEFT JOIN late_outcomes USING (run_id)
    )
SELECT
    workflow,
    count() AS runs,
    countIf(outcome = 'success') AS successes,
    countIf(outcome = 'failure') AS failures,
    sum(tokens) AS totalTokens,
    if(successes = 0, NULL, totalTokens / successes) AS tokensPerSuccess
FROM runs
WHERE {workflow:String} = '' OR workflow = {workflow:String}
GROUP BY workflow
ORDER BY workflow
