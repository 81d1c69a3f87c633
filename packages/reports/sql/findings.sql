-- The current findings (each run's latest analysis), largest waste first.
SELECT
    run_id AS runId,
    workflow,
    kind,
    pattern,
    confidence,
    span_ids AS spanIds,
    wasted_tokens AS wastedTokens,
    wasted_cost AS wastedCost,
    explanation
FROM {db:Identifier}.current_findings
WHERE project = {project:String}
    AND ({workflow:String} = '' OR workflow = {workflow:String})
    AND ({run:String} = '' OR run_id = {run:String})
    AND ({kind:String} = '' OR kind = {kind:String})
ORDER BY wasted_tokens DESC, run_id, kind, pattern
LIMIT {limit:UInt32}
