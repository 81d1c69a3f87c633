-- Lays out this pass's runs once for every analyzer: one row per run, its facts from the
-- `runs` view, its steps sorted by start time as parallel arrays.
INSERT INTO {db:Identifier}.analysis_runs
(
    pass_id, project, run_id, workflow, outcome, service_version, decided_at, last_ingested_at, outcome_received_at,
    span_ids, kinds, starts, tool_names, call_signatures, errors, tokens, input_tokens, costs, output_fps,
    query_fps, data_sources, document_ids, result_fps, result_tokens, input_part_fps, actions_before,
    step_signatures
)
WITH batch AS
(
    SELECT project, run_id FROM {db:Identifier}.analysis_batch WHERE pass_id = {pass:UInt64}
)
SELECT
    {pass:UInt64},
    r.project,
    r.run_id,
    r.workflow,
    r.outcome,
    r.service_version,
    r.decided_at,
    r.last_ingested_at,
    r.outcome_received_at,
    arrayMap(x -> x.2, steps),
    arrayMap(x -> x.3, steps) AS step_kinds,
    arrayMap(x -> x.1, steps),
    arrayMap(x -> x.4, steps),
    arrayMap(x -> x.5, steps),
    arrayMap(x -> toUInt8(x.6 = 'error'), steps),
    arrayMap(x -> x.7, steps),
    arrayMap(x -> x.8, steps),
    arrayMap(x -> x.9, steps),
    arrayMap(x -> x.10, steps),
    arrayMap(x -> x.11, steps),
    arrayMap(x -> x.12, steps),
    arrayMap(x -> x.13, steps),
    arrayMap(x -> x.14, steps),
    arrayMap(x -> intDiv(x.15 + {chars_per_token:UInt32} - 1, {chars_per_token:UInt32}), steps),
    arrayMap(x -> x.16, steps),
    arrayMap(
        (is_action, through) -> toUInt32(through - is_action),
        arrayMap(k -> toUInt32(k IN ('tool', 'retrieval', 'embedding')), step_kinds) AS action_flags,
        arrayCumSum(action_flags)
    ),
    arrayMap(
        x -> if(x.3 IN ('tool', 'retrieval', 'embedding', 'rerank'), concat(x.3, ':', if(x.3 = 'tool', x.4, x.12)), ''),
        steps)
FROM
(
    SELECT
        project,
        run_id,
        -- Sorted, then rid of the copies of a span sent twice (adjacent once sorted): cheaper
        -- than reading the table with FINAL.
        arraySort(x -> (x.1, x.2), groupArray((
            start_time, span_id, kind, tool_name,
            if(kind = 'tool', cityHash64(tool_name, tool_args_fp), 0),
            status_code, total_tokens, input_tokens, cost,
            if(output_fp = '', 0, cityHash64(output_fp)),
            if(query_fp = '', 0, cityHash64(query_fp)),
            data_source, document_ids,
            if(result_fp = '', 0, cityHash64(result_fp)),
            result_chars,
            arrayMap(p -> cityHash64(p), input_part_fps)
        ))) AS sorted,
        arrayFilter((x, previous) -> x.2 != previous, sorted, arrayPushFront(arrayPopBack(arrayMap(x -> x.2, sorted)), '')) AS steps
    FROM {db:Identifier}.spans
    -- The batch filter: run_id alone first, it lets the run_id index skip granules; the pair
    -- is the exact match. A full pass runs this file without that line (src/pass.ts): filtering
    -- 10 million rows by a set of every run costs more than it saves, and the join below keeps
    -- the batch's runs only.
    WHERE kind IN ('llm', 'embedding', 'retrieval', 'rerank', 'tool', 'reasoning')
        AND run_id IN (SELECT run_id FROM batch) AND (project, run_id) IN (SELECT project, run_id FROM batch)
    GROUP BY project, run_id
) AS s
RIGHT JOIN
(
    SELECT project, run_id, workflow, outcome, service_version, decided_at, last_ingested_at, outcome_received_at
    FROM {db:Identifier}.runs
    WHERE run_id IN (SELECT run_id FROM batch) AND (project, run_id) IN (SELECT project, run_id FROM batch)
) AS r ON r.project = s.project AND r.run_id = s.run_id
