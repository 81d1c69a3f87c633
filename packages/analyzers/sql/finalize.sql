-- Moves this pass's findings to `findings`, with their cost and the context they carried forward.
--
-- Cost: each wasted part costs its share of its span's cost (tokens wasted / tokens of the
-- span); NULL when no wasted span has a price.
--
-- Carried: a wasted step leaves a message in the conversation (a wasted LLM turn its output, a
-- repeated call its result), and every later LLM call that holds it in its prompt pays for it
-- again. Per finding: for each later LLM call that no certain finding of the run wastes itself
-- (its tokens are counted there already), the sizes of the finding's wasted messages it holds,
-- at most its input tokens. Whether a call holds a message is read from its per-message input
-- fingerprints (`leantrace.fp.input_parts`); a run that records none is assumed to keep its
-- whole history, and the figure is marked estimated. A message's size: an LLM turn's output
-- tokens, a result's characters / {chars_per_token}.
INSERT INTO {db:Identifier}.findings
(
    project, run_id, pass_id, workflow, outcome, service_version, kind, pattern, confidence,
    span_ids, wasted_span_ids, wasted_span_tokens, wasted_tokens, wasted_cost, carried_tokens,
    carried_estimated, explanation
)
WITH
    candidates AS
    (
        SELECT * FROM {db:Identifier}.finding_candidates WHERE pass_id = {pass:UInt64}
    ),
    certain_waste AS
    (
        SELECT project, run_id, groupUniqArrayArray(wasted_span_ids) AS wasted
        FROM candidates
        WHERE confidence = 'certain'
        GROUP BY project, run_id
    ),
    steps AS
    (
        SELECT
            project, run_id, span_ids, tokens, costs, kinds, input_tokens, input_part_fps,
            message_fps,
            message_tokens,
            NOT arrayExists(p -> notEmpty(p), input_part_fps) AS estimated
        FROM {db:Identifier}.analysis_runs
        WHERE pass_id = {pass:UInt64} AND (project, run_id) IN (SELECT project, run_id FROM candidates)
    )
SELECT
    project, run_id, pass_id, workflow, outcome, service_version, kind, pattern, confidence,
    span_ids, wasted_span_ids, wasted_span_tokens, wasted_tokens,
    if(
        arrayExists((id, t) -> t > 0 AND isNotNull(run_costs[indexOf(run_span_ids, id)]), wasted_span_ids, wasted_span_tokens),
        arraySum(
            (id, t) -> if(run_tokens[indexOf(run_span_ids, id)] = 0, 0,
                ifNull(run_costs[indexOf(run_span_ids, id)], 0) * t / run_tokens[indexOf(run_span_ids, id)]),
            wasted_span_ids, wasted_span_tokens),
        NULL),
    if(wasted_tokens = 0, 0, arraySum(
        (j, k, id, input, parts) -> if(
            k = 'llm' AND NOT has(run_wasted, id),
            least(input, arraySum(
                p -> if(p < j AND message_tokens[p] > 0 AND (estimated OR has(parts, message_fps[p])), message_tokens[p], 0),
                wasted_positions)),
            0),
        arrayEnumerate(kinds), kinds, run_span_ids, input_tokens, input_part_fps)),
    estimated,
    explanation
FROM
(
    SELECT
        c.project AS project, c.run_id AS run_id, c.pass_id AS pass_id, c.workflow AS workflow, c.outcome AS outcome,
        c.service_version AS service_version, c.kind AS kind, c.pattern AS pattern, c.confidence AS confidence,
        c.span_ids AS span_ids, c.wasted_span_ids AS wasted_span_ids, c.wasted_span_tokens AS wasted_span_tokens,
        c.wasted_tokens AS wasted_tokens, c.explanation AS explanation,
        r.span_ids AS run_span_ids, r.tokens AS run_tokens, r.costs AS run_costs, r.kinds AS kinds,
        r.input_tokens AS input_tokens, r.input_part_fps AS input_part_fps, r.message_fps AS message_fps,
        r.message_tokens AS message_tokens, r.estimated AS estimated, w.wasted AS run_wasted,
        -- Where the finding's wasted spans sit in the run.
        arrayMap(id -> indexOf(r.span_ids, id), arrayDistinct(c.wasted_span_ids)) AS wasted_positions
    FROM candidates AS c
    LEFT JOIN steps AS r ON c.project = r.project AND c.run_id = r.run_id
    LEFT JOIN certain_waste AS w ON c.project = w.project AND c.run_id = w.run_id
)
