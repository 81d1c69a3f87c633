-- extraneous / off_path: in a successful run, a step that the successful runs of the same task
-- do without. Always a `suggestion`, never counted as waste: a rare step may have been needed.
--
-- A step's signature is its kind with its tool name or data source (not its arguments).
--   A run with an evaluation case (`leantrace.case.id`) is compared with the other successful
--   runs of that case, when there are at least {off_path_min_case_runs}: a signature that under
--   {off_path_max_share} of them have is off the path. Runs of one case do the same task; the
--   workflow's other runs may do quite another.
--   A run without a case is compared with all successful runs of its workflow, when there are
--   at least {off_path_min_runs}: a signature in under {off_path_max_share} of them.
-- Steps known to change state (see prepare-runs.sql) are never named: a write the task required
-- (a booking, an edit) is not made extraneous by being rare.
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
        -- Successful runs analyzed before, and this pass's: each run once.
        SELECT project, workflow, case_id, signature_hashes AS signatures
        FROM {db:Identifier}.run_analysis FINAL
        WHERE outcome = 'success' AND (project, run_id) NOT IN (SELECT project, run_id FROM runs)
        UNION ALL
        SELECT project, workflow, case_id, arrayDistinct(arrayFilter(s -> s != 0, step_signatures)) AS signatures
        FROM runs
        WHERE outcome = 'success'
    ),
    -- Per group (a workflow's case, or the whole workflow as case ''): how many successful runs,
    -- and how many of them have each signature. A run with a case is one of its case's runs:
    -- the others are its runs minus one, and those with a signature it has, minus one.
    groups AS
    (
        SELECT project, workflow, case_id, count() AS members
        FROM profiles WHERE case_id != '' GROUP BY project, workflow, case_id
        UNION ALL
        SELECT project, workflow, '' AS case_id, count() AS members
        FROM profiles GROUP BY project, workflow
    ),
    rare AS
    (
        SELECT
            u.project AS project, u.workflow AS workflow, u.case_id AS case_id, groupArray(u.signature) AS signatures,
            groupArray(u.runs - if(u.case_id = '', 0, 1)) AS runs_with, any(g.members - if(u.case_id = '', 0, 1)) AS compared
        FROM
        (
            SELECT project, workflow, case_id, signature, count() AS runs
            FROM profiles ARRAY JOIN signatures AS signature
            WHERE case_id != ''
            GROUP BY project, workflow, case_id, signature
            UNION ALL
            SELECT project, workflow, '' AS case_id, signature, count() AS runs
            FROM profiles ARRAY JOIN signatures AS signature
            GROUP BY project, workflow, signature
        ) AS u
        INNER JOIN groups AS g ON g.project = u.project AND g.workflow = u.workflow AND g.case_id = u.case_id
        WHERE if(u.case_id = '',
                g.members >= {off_path_min_runs:UInt32} AND u.runs < g.members * {off_path_max_share:Float64},
                g.members - 1 >= {off_path_min_case_runs:UInt32} AND u.runs - 1 < (g.members - 1) * {off_path_max_share:Float64})
        GROUP BY u.project, u.workflow, u.case_id
    ),
    off_path AS
    (
        SELECT
            r.*,
            signature,
            rare.runs_with[indexOf(rare.signatures, signature)] AS runs_with,
            rare.compared AS compared,
            arrayFilter((i, s, e) -> s = signature AND e != 'write', positions, step_signatures, effects) AS steps,
            leantraceStepSignature(kinds[steps[1]], tool_names[steps[1]], data_sources[steps[1]], {read_kinds:Array(String)}) AS signature_text,
            arrayFlatten(arrayMap(
                s -> arrayFilter(j -> j > 0, [s, leantraceChooser(kinds, actions_before, s, {action_kinds:Array(String)})]),
                steps)) AS wasted_positions
        FROM runs AS r
        INNER JOIN rare ON rare.project = r.project AND rare.workflow = r.workflow AND rare.case_id = r.case_id
        ARRAY JOIN arrayFilter(s -> has(rare.signatures, s), arrayDistinct(arrayFilter(s -> s != 0, r.step_signatures))) AS signature
        WHERE r.outcome = 'success' AND notEmpty(steps)
    )
SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'extraneous', 'off_path', 'suggestion',
    arrayMap(i -> span_ids[i], arrayDistinct(wasted_positions)),
    arrayMap(i -> span_ids[i], wasted_positions) AS wasted_ids,
    arrayMap(i -> tokens[i], wasted_positions) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('{} appears in only {} of the {} {}; if this run did not need it, it cost {} tokens',
        if(startsWith(signature_text, 'tool:'), concat('`', substring(signature_text, 6), '`'), concat('a ', replaceOne(signature_text, ':', ' from '))),
        toString(runs_with), toString(compared),
        if(case_id = '', 'successful runs of this workflow', format('other successful runs of the same case (`{}`)', case_id)),
        leantraceThousands(wasted))
FROM off_path
