-- Records that this pass analysed its runs, with what it saw: later passes skip a run until
-- new spans or a new outcome arrive for it, and findings of older passes are superseded.
--
-- Also each run's waste, so that reports read one row per run:
--   wasted_tokens   the spans its certain findings waste, each span once (at the largest share
--                   any finding gives it);
--   carried_tokens  what its other LLM calls paid to carry those spans' messages (see
--                   finalize.sql), per call at most its input tokens, so no token counts twice.
INSERT INTO {db:Identifier}.run_analysis
(
    project, run_id, pass_id, workflow, outcome, service_version, case_id, last_ingested_at, outcome_received_at,
    signatures, wasted_tokens, carried_tokens, carried_estimated
)
WITH
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
    )
SELECT
    project, run_id, pass_id, workflow, outcome, service_version, case_id, last_ingested_at, outcome_received_at,
    arrayDistinct(arrayFilter(s -> s != '', step_signatures)),
    wasted,
    if(wasted = 0, 0, arraySum(
        (j, k, id, input, parts) -> if(
            k = 'llm' AND NOT has(ids, id),
            least(input, arraySum(
                p -> if(p < j AND message_tokens[p] > 0 AND (estimated OR has(parts, message_fps[p])), message_tokens[p], 0),
                wasted_positions)),
            0),
        arrayEnumerate(kinds), kinds, span_ids, input_tokens, input_part_fps)),
    wasted > 0 AND estimated
FROM
(
    SELECT
        a.project AS project, a.run_id AS run_id, a.pass_id AS pass_id, a.workflow AS workflow, a.outcome AS outcome,
        a.service_version AS service_version, a.case_id AS case_id, a.last_ingested_at AS last_ingested_at,
        a.outcome_received_at AS outcome_received_at, a.step_signatures AS step_signatures, a.kinds AS kinds,
        a.span_ids AS span_ids, a.input_tokens AS input_tokens, a.input_part_fps AS input_part_fps,
        ifNull(w.wasted, 0) AS wasted,
        w.ids AS ids,
        arrayMap((k, o, r) -> if(k = 'llm', o, r), a.kinds, a.output_fps, a.result_fps) AS message_fps,
        arrayMap((k, o, r) -> if(k = 'llm', o, r), a.kinds, a.output_tokens, a.result_tokens) AS message_tokens,
        NOT arrayExists(p -> notEmpty(p), a.input_part_fps) AS estimated,
        arrayFilter(i -> i > 0, arrayMap(id -> indexOf(a.span_ids, id), w.ids)) AS wasted_positions
    FROM {db:Identifier}.analysis_runs AS a
    LEFT JOIN waste AS w ON w.project = a.project AND w.run_id = a.run_id
    WHERE a.pass_id = {pass:UInt64}
)
