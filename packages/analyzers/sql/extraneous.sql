-- extraneous: steps that did not serve the outcome.
--
--   after_outcome  steps that started after the run's outcome was decided (the
--                  `leantrace.outcome` event) or after its final answer ended;
--   unused_result  a tool or retrieval result that no later LLM input contained, in a run that
--                  records input fingerprints and has an LLM call after the step.
-- Wasted: the steps after the outcome, all their tokens; for an unused result, its own tokens
-- and the LLM calls that chose it.
INSERT INTO {db:Identifier}.finding_candidates
(
    pass_id, run_id, workflow, outcome, service_version, kind, pattern, confidence,
    span_ids, wasted_span_ids, wasted_span_tokens, wasted_tokens, explanation
)
WITH
    steps AS
    (
        SELECT * FROM {db:Identifier}.analysis_steps WHERE pass_id = {pass:UInt64}
    ),
    late_steps AS
    (
        SELECT
            run_id, any(workflow) AS workflow, any(outcome) AS outcome, any(service_version) AS service_version,
            arraySort(x -> x.1, groupArray((seq, span_id, tokens))) AS rows
        FROM steps
        WHERE toUnixTimestamp64Nano(decided_at) > 0 AND start_time > decided_at
        GROUP BY run_id
    ),
    choosers AS
    (
        SELECT run_id, actions_before AS action, groupArray(span_id) AS ids, groupArray(tokens) AS toks
        FROM steps
        WHERE kind = 'llm'
        GROUP BY run_id, actions_before
    ),
    unused AS
    (
        SELECT
            a.run_id AS run_id, a.span_id AS span_id, any(a.workflow) AS workflow, any(a.outcome) AS outcome,
            any(a.service_version) AS service_version, any(a.kind) AS kind, any(a.tool_name) AS tool,
            any(a.data_source) AS source, any(a.tokens) AS own_tokens, any(a.actions_before) AS action
        FROM steps AS a
        INNER JOIN steps AS l ON l.run_id = a.run_id
        WHERE a.kind IN ('tool', 'retrieval') AND a.result_fp != ''
            AND NOT (toUnixTimestamp64Nano(a.decided_at) > 0 AND a.start_time > a.decided_at)
            AND l.kind = 'llm' AND l.seq > a.seq
        GROUP BY a.run_id, a.span_id
        HAVING countIf(notEmpty(l.input_part_fps)) > 0 AND countIf(has(l.input_part_fps, a.result_fp)) = 0
    )
SELECT
    {pass:UInt64}, run_id, workflow, outcome, service_version, 'extraneous', 'after_outcome', 'certain',
    arrayMap(x -> x.2, rows),
    arrayMap(x -> x.2, rows) AS wasted_ids,
    arrayMap(x -> x.3, rows) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('{} steps ran after the outcome was decided and used {} tokens', toString(length(rows)), leantraceThousands(wasted))
FROM late_steps

UNION ALL

SELECT
    {pass:UInt64}, u.run_id, u.workflow, u.outcome, u.service_version, 'extraneous', 'unused_result', 'certain',
    arrayConcat([u.span_id], c.ids),
    arrayConcat([u.span_id], c.ids) AS wasted_ids,
    arrayConcat([u.own_tokens], c.toks) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('the result of {} was never read by a later LLM call; the step and the LLM calls that chose it used {} tokens',
        if(u.kind = 'tool', concat('`', u.tool, '`'), if(u.source = '', 'a retrieval', concat('a retrieval from `', u.source, '`'))),
        leantraceThousands(wasted))
FROM unused AS u
LEFT JOIN choosers AS c ON c.run_id = u.run_id AND c.action = u.action
