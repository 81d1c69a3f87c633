-- The current findings per kind, pattern and confidence: how many, in how many runs, and the
-- tokens they name. Per pattern, a span named by two findings counts twice here; the report's
-- per-run waste counts it once.
SELECT
    kind,
    pattern,
    confidence,
    count() AS findings,
    uniqExact(run_id) AS runs,
    sum(wasted_tokens) AS wastedTokens,
    sum(carried_tokens) AS carriedTokens
FROM {db:Identifier}.current_findings
WHERE project = {project:String}
    AND ({workflow:String} = '' OR workflow = {workflow:String})
    AND ({run:String} = '' OR run_id = {run:String})
    AND ({kind:String} = '' OR kind = {kind:String})
    AND ({windowed:UInt8} = 0 OR run_id IN (
        SELECT run_id FROM {db:Identifier}.runs
        WHERE project = {project:String}
            AND started_at >= parseDateTime64BestEffort({since:String}, 9, 'UTC')
            AND started_at < parseDateTime64BestEffort({until:String}, 9, 'UTC')))
GROUP BY kind, pattern, confidence
ORDER BY wastedTokens DESC, kind, pattern, confidence
