-- The breakdown as it was computed before runs carried their step groups (migration 0010):
-- from every span of the selected runs. Kept as the oracle the pre-aggregated breakdown is
-- checked against (run-figures.test.ts).
--
-- runs             = the selected runs with a step in the group
-- successes        = those of them that succeeded
-- totalTokens      = the group's steps' tokens (each step once: duplicates carry none)
-- tokensPerSuccess = totalTokens / successes (NULL when none succeeded)
-- wastedTokens     = what the certain findings say was wasted of the group's steps, each span
--                    at its largest wasted share
-- wastedCost       = the wasted tokens' share of each wasted step's cost
-- totalCost        = US dollars over the priced steps; NULL when none has a price
WITH
    selected AS
    (
        SELECT run_id, workflow, outcome, service_version, case_id
        FROM {db:Identifier}.runs
        WHERE project = {project:String}
            AND ({workflow:String} = '' OR workflow = {workflow:String})
            AND started_at >= parseDateTime64BestEffort({since:String}, 9, 'UTC')
            AND started_at < parseDateTime64BestEffort({until:String}, 9, 'UTC')
    ),
    wasted AS
    (
        SELECT run_id, span_id, max(tokens) AS tokens
        FROM {db:Identifier}.current_findings
        ARRAY JOIN wasted_span_ids AS span_id, wasted_span_tokens AS tokens
        WHERE project = {project:String} AND confidence = 'certain'
        GROUP BY run_id, span_id
    ),
    users AS
    (
        SELECT run_id, anyIf(span_attributes['user.id'], span_attributes['user.id'] != '') AS user_id
        FROM {db:Identifier}.spans
        WHERE project = {project:String} AND {by:String} = 'user'
            AND run_id IN (SELECT run_id FROM selected)
        GROUP BY run_id
    )
SELECT
    multiIf(
        {by:String} = 'model', s.model,
        {by:String} = 'kind', toString(s.kind),
        {by:String} = 'version', r.service_version,
        {by:String} = 'case', r.case_id,
        {by:String} = 'workflow', r.workflow,
        {by:String} = 'app', s.service_name,
        {by:String} = 'user', ifNull(u.user_id, ''),
        toString(s.team)) AS key,
    uniqExact(s.run_id) AS runs,
    uniqExactIf(s.run_id, r.outcome = 'success') AS successes,
    sum(s.total_tokens) AS totalTokens,
    if(successes = 0, NULL, totalTokens / successes) AS tokensPerSuccess,
    sum(ifNull(w.tokens, 0)) AS wastedTokens,
    if(countIf(isNotNull(s.cost)) = 0, NULL,
        sum(if(s.total_tokens = 0, 0, ifNull(s.cost, 0) * least(ifNull(w.tokens, 0), s.total_tokens) / s.total_tokens)))
        AS wastedCost,
    if(countIf(isNotNull(s.cost)) = 0, NULL, sum(ifNull(s.cost, 0))) AS totalCost
FROM {db:Identifier}.spans AS s FINAL
INNER JOIN selected AS r ON r.run_id = s.run_id
LEFT JOIN wasted AS w ON w.run_id = s.run_id AND w.span_id = s.span_id
LEFT JOIN users AS u ON u.run_id = s.run_id
WHERE s.project = {project:String}
    AND ({by:String} != 'model' OR s.kind IN ('llm', 'embedding'))
GROUP BY key
ORDER BY totalTokens DESC, key
