-- extraneous / off_path: in a successful run, a step the workflow's successful runs do without.
--
-- A step's signature is its kind with its tool name or data source (not its arguments). A
-- signature found in under {off_path_max_share} of the workflow's successful runs is off the
-- usual path, when the workflow has at least {off_path_min_runs} successful runs. This is a
-- suggestion (confidence `suggestion`): it is never counted as certain waste.
-- Wasted (if it was indeed not needed): the steps' own tokens and the LLM calls that chose them.
INSERT INTO {db:Identifier}.finding_candidates
(
    pass_id, run_id, workflow, outcome, service_version, kind, pattern, confidence,
    span_ids, wasted_span_ids, wasted_span_tokens, wasted_tokens, explanation
)
WITH
    steps AS
    (
        SELECT
            *,
            concat(kind, ':', if(kind = 'tool', tool_name, data_source)) AS signature
        FROM {db:Identifier}.analysis_steps
        WHERE pass_id = {pass:UInt64} AND kind IN ('tool', 'retrieval', 'embedding', 'rerank')
    ),
    batch_profiles AS
    (
        SELECT run_id, any(workflow) AS workflow, any(outcome) AS outcome, groupUniqArray(signature) AS signatures
        FROM steps
        GROUP BY run_id
    ),
    profiles AS
    (
        -- Successful runs analysed before, and this pass's: each run once.
        SELECT workflow, signatures
        FROM {db:Identifier}.run_analysis FINAL
        WHERE outcome = 'success' AND run_id NOT IN (SELECT run_id FROM batch_profiles)
        UNION ALL
        SELECT workflow, signatures FROM batch_profiles WHERE outcome = 'success'
    ),
    successes AS
    (
        SELECT workflow, count() AS runs FROM profiles GROUP BY workflow HAVING runs >= {off_path_min_runs:UInt32}
    ),
    usage AS
    (
        SELECT p.workflow AS workflow, signature, count() AS runs
        FROM profiles AS p
        ARRAY JOIN p.signatures AS signature
        WHERE p.workflow IN (SELECT workflow FROM successes)
        GROUP BY p.workflow, signature
    ),
    rare AS
    (
        SELECT u.workflow AS workflow, u.signature AS signature, u.runs AS runs_with, s.runs AS successful_runs
        FROM usage AS u
        INNER JOIN successes AS s ON s.workflow = u.workflow
        WHERE u.runs < s.runs * {off_path_max_share:Float64}
    ),
    choosers AS
    (
        SELECT run_id, actions_before AS action, groupArray(span_id) AS ids, groupArray(tokens) AS toks
        FROM {db:Identifier}.analysis_steps
        WHERE pass_id = {pass:UInt64} AND kind = 'llm'
        GROUP BY run_id, actions_before
    ),
    off_path AS
    (
        SELECT
            st.run_id AS run_id, st.signature AS signature, any(st.workflow) AS workflow, any(st.outcome) AS outcome,
            any(st.service_version) AS service_version, any(r.runs_with) AS runs_with,
            any(r.successful_runs) AS successful_runs,
            groupArray(st.span_id) AS own_ids,
            arrayFlatten(groupArray(arrayConcat([st.span_id], c.ids))) AS wasted_ids,
            arrayFlatten(groupArray(arrayConcat([st.tokens], c.toks))) AS wasted_toks
        FROM steps AS st
        INNER JOIN rare AS r ON r.workflow = st.workflow AND r.signature = st.signature
        LEFT JOIN choosers AS c ON c.run_id = st.run_id AND c.action = st.actions_before
        WHERE st.outcome = 'success'
        GROUP BY st.run_id, st.signature
    )
SELECT
    {pass:UInt64}, run_id, workflow, outcome, service_version, 'extraneous', 'off_path', 'suggestion',
    arrayDistinct(wasted_ids),
    wasted_ids,
    wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('{} appears in only {} of the {} successful runs of this workflow; if this run did not need it, it cost {} tokens',
        if(startsWith(signature, 'tool:'), concat('`', substring(signature, 6), '`'), concat('a ', replaceOne(signature, ':', ' from '))),
        toString(runs_with), toString(successful_runs), leantraceThousands(wasted))
FROM off_path
