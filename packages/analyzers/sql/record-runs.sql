-- Records that this pass analyzed its runs, with what it saw: later passes skip a run until
-- new spans or a new outcome arrive for it, and findings of older passes are superseded.
--
-- Also each run's waste and its findings per kind, so that reports read one row per run:
--   wasted_tokens   the spans its certain findings waste, each span once (at the largest share
--                   any finding gives it);
--   carried_tokens  what its other LLM calls paid to carry those spans' messages (see
--                   finalize.sql), per call at most its input tokens, so no token counts twice.
INSERT INTO {db:Identifier}.run_analysis
(
    project, run_id, pass_id, workflow, outcome, service_version, case_id, last_ingested_at, outcome_received_at,
    signature_hashes, wasted_tokens, carried_tokens, carried_estimated,
    loop_findings, repeated_retrieval_findings, extraneous_findings,
    wasted_group_keys, wasted_group_tokens, wasted_group_cost
)
WITH
    -- The findings this pass recorded (finalize.sql ran before), per kind, suggestions included.
    finding_counts AS
    (
        SELECT
            project,
            run_id,
            countIf(kind = 'loop') AS loops,
            countIf(kind = 'repeated_retrieval') AS repeated_retrievals,
            countIf(kind = 'extraneous') AS extraneous
        FROM {db:Identifier}.findings
        WHERE pass_id = {pass:UInt64}
        GROUP BY project, run_id
    ),
    wasted_spans AS
    (
        SELECT project, run_id, part.1 AS span_id, max(part.2) AS tokens
        FROM {db:Identifier}.finding_candidates
        ARRAY JOIN arrayZip(wasted_span_ids, wasted_span_tokens) AS part
        WHERE pass_id = {pass:UInt64} AND confidence = 'certain'
        GROUP BY project, run_id, span_id
    ),
    waste AS
    (
        SELECT project, run_id, sum(tokens) AS wasted, groupArray(span_id) AS ids
        FROM wasted_spans
        GROUP BY project, run_id
    ),
    -- The same waste per step group (leantraceStepGroup), for breakdowns: the cost wasted in
    -- proportion to the tokens, each step at most its own tokens' cost.
    wasted_groups AS
    (
        SELECT
            w.project AS project,
            w.run_id AS run_id,
            sumMap(
                [leantraceStepGroup(s.model, s.kind, s.team, s.service_name)],
                [w.tokens],
                [if(s.total_tokens = 0, 0, ifNull(s.cost, 0) * least(w.tokens, s.total_tokens) / s.total_tokens)]
            ) AS groups
        FROM wasted_spans AS w
        INNER JOIN
        (
            SELECT project, run_id, span_id, model, kind, team, service_name, total_tokens, cost
            FROM {db:Identifier}.spans FINAL
            WHERE run_id IN (SELECT run_id FROM wasted_spans)
        ) AS s ON s.project = w.project AND s.run_id = w.run_id AND s.span_id = w.span_id
        GROUP BY w.project, w.run_id
    ),
    carried AS
    (
        -- Only the runs with waste: the others carry nothing.
        SELECT
            project,
            run_id,
            NOT arrayExists(p -> notEmpty(p), input_part_fps) AS estimated,
            arraySum(
                (j, k, id, input, parts) -> if(
                    k = 'llm' AND NOT has(ids, id),
                    least(input, arraySum(
                        p -> if(p < j AND message_tokens[p] > 0 AND (estimated OR has(parts, message_fps[p])), message_tokens[p], 0),
                        wasted_positions)),
                    0),
                arrayEnumerate(kinds), kinds, span_ids, input_tokens, input_part_fps) AS tokens
        FROM
        (
            SELECT
                a.project AS project, a.run_id AS run_id, a.kinds AS kinds, a.span_ids AS span_ids,
                a.input_tokens AS input_tokens, a.input_part_fps AS input_part_fps, a.message_fps AS message_fps,
                a.message_tokens AS message_tokens, w.ids AS ids,
                arrayFilter(i -> i > 0, arrayMap(id -> indexOf(a.span_ids, id), w.ids)) AS wasted_positions
            FROM {db:Identifier}.analysis_runs AS a
            INNER JOIN waste AS w ON w.project = a.project AND w.run_id = a.run_id
            WHERE a.pass_id = {pass:UInt64} AND (a.project, a.run_id) IN (SELECT project, run_id FROM waste)
        )
    )
SELECT
    a.project, a.run_id, a.pass_id, a.workflow, a.outcome, a.service_version, a.case_id, a.last_ingested_at,
    a.outcome_received_at,
    arrayDistinct(arrayFilter(s -> s != 0, a.step_signatures)),
    ifNull(w.wasted, 0),
    ifNull(c.tokens, 0),
    ifNull(c.estimated, 0),
    ifNull(f.loops, 0),
    ifNull(f.repeated_retrievals, 0),
    ifNull(f.extraneous, 0),
    g.groups.1,
    g.groups.2,
    g.groups.3
FROM {db:Identifier}.analysis_runs AS a
LEFT JOIN waste AS w ON w.project = a.project AND w.run_id = a.run_id
LEFT JOIN carried AS c ON c.project = a.project AND c.run_id = a.run_id
LEFT JOIN finding_counts AS f ON f.project = a.project AND f.run_id = a.run_id
LEFT JOIN wasted_groups AS g ON g.project = a.project AND g.run_id = a.run_id
WHERE a.pass_id = {pass:UInt64}
