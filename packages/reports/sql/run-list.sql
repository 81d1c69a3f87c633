-- The selected runs with what each cost and wasted: the most wasteful first, or the latest.
-- Waste is the run's latest analysis (NULL while it waits for one).
SELECT
    r.run_id AS runId,
    r.workflow AS workflow,
    r.outcome AS outcome,
    r.case_id AS caseId,
    r.service_version AS version,
    r.total_tokens AS tokens,
    if(r.priced_tokens = 0, NULL, r.cost) AS cost,
    toString(r.started_at) AS startedAt,
    (r.ended_at - r.started_at) * 1000 AS durationMs,
    if(a.run_id = '', NULL, a.wasted_tokens) AS wastedTokens,
    ifNull(f.findings, 0) AS findings
FROM {db:Identifier}.runs AS r
LEFT JOIN
(
    SELECT run_id, wasted_tokens FROM {db:Identifier}.run_analysis FINAL WHERE project = {project:String}
) AS a ON a.run_id = r.run_id
LEFT JOIN
(
    SELECT run_id, count() AS findings FROM {db:Identifier}.current_findings
    WHERE project = {project:String} GROUP BY run_id
) AS f ON f.run_id = r.run_id
WHERE r.project = {project:String}
    AND ({workflow:String} = '' OR r.workflow = {workflow:String})
    AND r.started_at >= parseDateTime64BestEffort({since:String}, 9, 'UTC')
    AND r.started_at < parseDateTime64BestEffort({until:String}, 9, 'UTC')
ORDER BY if({order:String} = 'wasted', ifNull(wastedTokens, 0), 0) DESC, r.started_at DESC, r.run_id
LIMIT {limit:UInt32}
