-- Moves this pass's findings to `findings`, with their cost: each wasted part costs its share
-- of its span's cost (tokens wasted / tokens of the span). NULL when no wasted span has a price.
INSERT INTO {db:Identifier}.findings
(
    project, run_id, pass_id, workflow, outcome, service_version, kind, pattern, confidence,
    span_ids, wasted_span_ids, wasted_span_tokens, wasted_tokens, wasted_cost, explanation
)
SELECT
    c.project, c.run_id, c.pass_id, c.workflow, c.outcome, c.service_version, c.kind, c.pattern, c.confidence,
    c.span_ids, c.wasted_span_ids, c.wasted_span_tokens, c.wasted_tokens,
    if(
        arrayExists((id, t) -> t > 0 AND isNotNull(r.costs[indexOf(r.span_ids, id)]), c.wasted_span_ids, c.wasted_span_tokens),
        arraySum(
            (id, t) -> if(r.tokens[indexOf(r.span_ids, id)] = 0, 0,
                ifNull(r.costs[indexOf(r.span_ids, id)], 0) * t / r.tokens[indexOf(r.span_ids, id)]),
            c.wasted_span_ids, c.wasted_span_tokens),
        NULL),
    c.explanation
FROM
(
    SELECT project, run_id, span_ids, tokens, costs
    FROM {db:Identifier}.analysis_runs
    WHERE pass_id = {pass:UInt64}
        AND (project, run_id) IN (SELECT project, run_id FROM {db:Identifier}.finding_candidates WHERE pass_id = {pass:UInt64})
) AS r
RIGHT JOIN
(
    SELECT * FROM {db:Identifier}.finding_candidates WHERE pass_id = {pass:UInt64}
) AS c ON c.project = r.project AND c.run_id = r.run_id
