-- The current findings (each run's latest analysis), largest waste first, a page at a time.
-- A finding's id is a hash of what identifies it (run, pass, kind, pattern, spans): stable for
-- as long as the analysis stands, and the tie-breaker that makes pages exact. The cursor is the
-- last row of the previous page: (wasted tokens, id).
SELECT
    lower(hex(cityHash64(run_id, pass_id, kind, pattern, span_ids))) AS id,
    run_id AS runId,
    workflow,
    service_version AS version,
    kind,
    pattern,
    confidence,
    span_ids AS spanIds,
    wasted_span_ids AS wastedSpanIds,
    wasted_span_tokens AS wastedSpanTokens,
    wasted_tokens AS wastedTokens,
    wasted_cost AS wastedCost,
    carried_tokens AS carriedTokens,
    carried_estimated = 1 AS carriedEstimated,
    explanation
FROM {db:Identifier}.current_findings
WHERE project = {project:String}
    AND ({workflow:String} = '' OR workflow = {workflow:String})
    AND ({run:String} = '' OR run_id = {run:String})
    AND ({version:String} = '' OR service_version = {version:String})
    AND ({kind:String} = '' OR kind = {kind:String})
    AND ({pattern:String} = '' OR pattern = {pattern:String})
    AND ({confidence:String} = '' OR confidence = {confidence:String})
    AND ({windowed:UInt8} = 0 OR run_id IN (
        SELECT run_id FROM {db:Identifier}.runs
        WHERE project = {project:String}
            AND started_at >= parseDateTime64BestEffort({since:String}, 9, 'UTC')
            AND started_at < parseDateTime64BestEffort({until:String}, 9, 'UTC')))
    AND ({after_id:String} = '' OR wasted_tokens < {after_wasted:UInt64} OR (wasted_tokens = {after_wasted:UInt64} AND id > {after_id:String}))
ORDER BY wasted_tokens DESC, id
LIMIT {limit:UInt32}
