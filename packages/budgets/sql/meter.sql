-- Meters again every run with spans stored after {since}: tokens and cost per UTC day, team,
-- application and model of its LLM and embedding steps, from all its stored spans (FINAL: each
-- span once, another instrumentation's copy of a call carrying none). The run id is matched
-- alone first: the spans' bloom filter on it skips the granules of other runs.
INSERT INTO {db:Identifier}.usage_daily
SELECT
    project,
    toDate(start_time, 'UTC') AS day,
    team,
    service_name AS app,
    model,
    run_id,
    -- Aliases differ from the columns they sum: `cost` must still name the span's own cost.
    sum(total_tokens) AS metered_tokens,
    sum(ifNull(cost, 0)) AS metered_cost,
    sumIf(total_tokens, isNotNull(cost)) AS metered_priced_tokens,
    count() AS metered_spans,
    parseDateTime64BestEffort({metered_at:String}, 3, 'UTC') AS metered_at
FROM {db:Identifier}.spans FINAL
WHERE run_id IN (
        SELECT run_id FROM {db:Identifier}.spans
        WHERE ingested_at > parseDateTime64BestEffort({since:String}, 3, 'UTC'))
    AND (project, run_id) IN (
        SELECT project, run_id FROM {db:Identifier}.spans
        WHERE ingested_at > parseDateTime64BestEffort({since:String}, 3, 'UTC'))
    AND kind IN ('llm', 'embedding')
GROUP BY project, day, team, app, model, run_id
