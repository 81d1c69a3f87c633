-- Meters the given (project, UTC day) pairs again from the stored spans: tokens and cost per
-- team, application and model of the LLM and embedding steps, each span once (FINAL), another
-- instrumentation's copy of a call carrying none. Every pair gets a row even when it has no
-- such steps, so that its latest metering (one `metered_at` for all its rows) is known.
INSERT INTO {db:Identifier}.usage_daily
WITH pairs AS
(
    SELECT tupleElement(pair, 1) AS project, toDate(tupleElement(pair, 2)) AS day
    FROM (SELECT arrayJoin(arrayZip({projects:Array(String)}, {days:Array(String)})) AS pair)
)
SELECT
    project,
    toDate(start_time, 'UTC') AS day,
    team,
    service_name AS app,
    model,
    -- Aliases differ from the columns they sum: `cost` must still name the span's own cost.
    sum(total_tokens) AS metered_tokens,
    sum(ifNull(cost, 0)) AS metered_cost,
    sumIf(total_tokens, isNotNull(cost)) AS metered_priced_tokens,
    count() AS metered_spans,
    parseDateTime64BestEffort({metered_at:String}, 3, 'UTC') AS metered_at
FROM {db:Identifier}.spans FINAL
WHERE project IN (SELECT project FROM pairs)
    AND (project, toDate(start_time, 'UTC')) IN (SELECT project, day FROM pairs)
    AND kind IN ('llm', 'embedding')
GROUP BY project, day, team, app, model
UNION ALL
SELECT project, day, '', '', '', 0, 0, 0, 0, parseDateTime64BestEffort({metered_at:String}, 3, 'UTC')
FROM pairs
