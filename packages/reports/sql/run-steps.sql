-- One run's steps in the order they ran (of two that start together, the one that ended
-- first), with what each did and cost. Time offsets are from the run's first start.
SELECT
    span_id AS spanId,
    parent_span_id AS parentSpanId,
    span_name AS name,
    toString(kind) AS kind,
    toString(model) AS model,
    toString(tool_name) AS toolName,
    toString(data_source) AS dataSource,
    if(kind = 'retrieval', span_attributes['gen_ai.retrieval.query.text'], '') AS query,
    toString(start_time) AS startTime,
    (toUnixTimestamp64Nano(start_time) - min(toUnixTimestamp64Nano(start_time)) OVER ()) / 1e6 AS offsetMs,
    duration_ns / 1e6 AS durationMs,
    input_tokens AS inputTokens,
    output_tokens AS outputTokens,
    cache_read_input_tokens AS cachedInputTokens,
    reasoning_output_tokens AS reasoningOutputTokens,
    total_tokens AS totalTokens,
    cost,
    status_code AS status,
    toString(error_type) AS errorType,
    duplicate_of AS duplicateOf,
    toString(scope_name) AS scope
FROM {db:Identifier}.spans FINAL
WHERE project = {project:String} AND run_id = {run:String}
ORDER BY start_time, end_time, span_id
LIMIT 10000
