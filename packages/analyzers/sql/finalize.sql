-- Moves this pass's findings to `findings`, with their cost: each wasted part costs its share
-- of its span's cost (tokens wasted / tokens of the span). NULL when no wasted span has a price.
INSERT INTO {db:Identifier}.findings
(
    run_id, pass_id, workflow, outcome, service_version, kind, pattern, confidence,
    span_ids, wasted_span_ids, wasted_span_tokens, wasted_tokens, wasted_cost, explanation
)
WITH
    candidates AS
    (
        -- A finding is named by what it is: identical findings do not occur within a pass.
        SELECT *, cityHash64(run_id, kind, pattern, span_ids) AS finding
        FROM {db:Identifier}.finding_candidates
        WHERE pass_id = {pass:UInt64}
    ),
    parts AS
    (
        SELECT finding, part.1 AS span_id, part.2 AS tokens
        FROM candidates
        ARRAY JOIN arrayZip(wasted_span_ids, wasted_span_tokens) AS part
    ),
    costs AS
    (
        SELECT
            p.finding AS finding,
            if(countIf(isNotNull(s.cost) AND p.tokens > 0) = 0, NULL,
               sumIf(ifNull(s.cost, 0) * p.tokens / s.tokens, s.tokens > 0)) AS wasted_cost
        FROM parts AS p
        INNER JOIN
        (
            SELECT run_id, span_id, tokens, cost FROM {db:Identifier}.analysis_steps WHERE pass_id = {pass:UInt64}
        ) AS s ON s.span_id = p.span_id
        GROUP BY p.finding
    )
SELECT
    c.run_id, c.pass_id, c.workflow, c.outcome, c.service_version, c.kind, c.pattern, c.confidence,
    c.span_ids, c.wasted_span_ids, c.wasted_span_tokens, c.wasted_tokens, k.wasted_cost, c.explanation
FROM candidates AS c
LEFT JOIN costs AS k ON k.finding = c.finding
SETTINGS join_use_nulls = 1
