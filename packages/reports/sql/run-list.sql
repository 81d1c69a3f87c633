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
    if(r.analyzed = 0, NULL, r.wasted_tokens) AS wastedTokens,
    r.loop_findings + r.repeated_retrieval_findings + r.extraneous_findings AS findings
FROM {db:Identifier}.runs AS r
WHERE r.project = {project:String}
    AND ({workflow:String} = '' OR r.workflow = {workflow:String})
    AND r.started_at >= parseDateTime64BestEffort({since:String}, 9, 'UTC')
    AND r.started_at < parseDateTime64BestEffort({until:String}, 9, 'UTC')
ORDER BY if({order:String} = 'wasted', ifNull(wastedTokens, 0), 0) DESC, r.started_at DESC, r.run_id
LIMIT {limit:UInt32}
