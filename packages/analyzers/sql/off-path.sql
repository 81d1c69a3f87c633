-- extraneous / off_path: in a successful run, a step the workflow's successful runs do without.
--
-- A step's signature is its kind with its tool name or data source (not its arguments). A
-- signature found in under {off_path_max_share} of the workflow's successful runs is off the
-- usual path, when the workflow has at least {off_path_min_runs} successful runs. This is a
-- suggestion (confidence `suggestion`): it is never counted as certain waste.
-- Wasted (if it was indeed not needed): the steps' own tokens and the LLM calls that chose them.
-- Each row is a candidate finding: the pass (src/pass.ts) inserts them into finding_candidates.
WITH
    runs AS
    (
        SELECT *, arrayEnumerate(kinds) AS positions
        FROM {db:Identifier}.analysis_runs
        WHERE pass_id = {pass:UInt64}
    ),
    profiles AS
    (
        -- Successful runs analysed before, and this pass's: each run once.
        SELECT project, workflow, signatures
        FROM {db:Identifier}.run_analysis FINAL
        WHERE outcome = 'success' AND (project, run_id) NOT IN (SELECT project, run_id FROM runs)
        UNION ALL
        SELECT project, workflow, arrayDistinct(arrayFilter(s -> s != '', step_signatures)) AS signatures
        FROM runs
        WHERE outcome = 'success'
    ),
    successes AS
    (
        SELECT project, workflow, count() AS runs FROM profiles GROUP BY project, workflow HAVING runs >= {off_path_min_runs:UInt32}
    ),
    rare AS
    (
        SELECT
            u.project AS project, u.workflow AS workflow, groupArray(u.signature) AS signatures,
            groupArray(u.runs) AS runs_with, any(s.runs) AS successful_runs
        FROM
        (
            SELECT project, workflow, signature, count() AS runs
            FROM profiles
            ARRAY JOIN signatures AS signature
            WHERE (project, workflow) IN (SELECT project, workflow FROM successes)
            GROUP BY project, workflow, signature
        ) AS u
        INNER JOIN successes AS s ON s.project = u.project AND s.workflow = u.workflow
        WHERE u.runs < s.runs * {off_path_max_share:Float64}
        GROUP BY u.project, u.workflow
    ),
    off_path AS
    (
        SELECT
            r.*,
            signature,
            rare.runs_with[indexOf(rare.signatures, signature)] AS runs_with,
            rare.successful_runs AS successful_runs,
            arrayFilter(i -> step_signatures[i] = signature, positions) AS steps,
            arrayFlatten(arrayMap(
                s -> arrayConcat([s], arrayFilter(j -> kinds[j] = 'llm' AND actions_before[j] = actions_before[s], positions)),
                steps)) AS wasted_positions
        FROM runs AS r
        INNER JOIN rare ON rare.project = r.project AND rare.workflow = r.workflow
        ARRAY JOIN arrayFilter(s -> has(rare.signatures, s), arrayDistinct(r.step_signatures)) AS signature
        WHERE r.outcome = 'success'
    )
SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'extraneous', 'off_path', 'suggestion',
    arrayMap(i -> span_ids[i], arrayDistinct(wasted_positions)),
    arrayMap(i -> span_ids[i], wasted_positions) AS wasted_ids,
    arrayMap(i -> tokens[i], wasted_positions) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('{} appears in only {} of the {} successful runs of this workflow; if this run did not need it, it cost {} tokens',
        if(startsWith(signature, 'tool:'), concat('`', substring(signature, 6), '`'), concat('a ', replaceOne(signature, ':', ' from '))),
        toString(runs_with), toString(successful_runs), leantraceThousands(wasted))
FROM off_path
