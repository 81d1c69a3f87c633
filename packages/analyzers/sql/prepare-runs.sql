-- Lays out this pass's runs once for every analyzer: one row per run, its facts from the
-- `runs` view, its steps sorted by start time as parallel arrays, and what every analyzer asks
-- of them: which steps can change state, and which calls repeat an earlier one.
--
-- What a step does to the world (effects):
--   retrieval, embedding, rerank                         'read'
--   LLM and reasoning steps                              'none' (they change nothing outside)
--   tool steps: the span's own effect (the SDK's, or the collector's reading of a shell
--   command), else by name: {neutral_tools} 'none', {write_tools} 'write', {read_tools} 'read',
--   anything else 'unknown', which counts as state-changing (a wrong 'write' only hides waste,
--   a wrong 'read' invents it) but is not known to be a write (off-path may still name it).
--
-- A call (a tool step whose arguments were recorded; no arguments, no signature) repeats the
-- latest earlier call with the same name and canonical arguments when no state-changing step
-- ran between them and both returned the same result (the result's fingerprint, or for a
-- failure without a result, its error message), or neither result was recorded.
INSERT INTO {db:Identifier}.analysis_runs
(
    pass_id, project, run_id, workflow, outcome, service_version, case_id, decided_at, last_ingested_at,
    outcome_received_at, span_ids, kinds, starts, tool_names, call_signatures, effects, errors, error_texts,
    tokens, input_tokens, costs, query_fps, data_sources, document_ids, message_fps, message_tokens,
    input_part_fps, actions_before, repeat_of, repeat_known, step_signatures
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
    r.case_id,
    r.decided_at,
    r.last_ingested_at,
    r.outcome_received_at,
    arrayMap(x -> x.2, steps),
    arrayMap(x -> x.3, steps) AS step_kinds,
    arrayMap(x -> x.1, steps),
    arrayMap(x -> x.4, steps),
    arrayMap(x -> x.5, steps) AS signatures,
    arrayMap(x -> x.16, steps) AS step_effects,
    arrayMap(x -> x.6, steps),
    arrayMap(x -> x.17, steps),
    arrayMap(x -> x.7, steps),
    arrayMap(x -> x.8, steps),
    arrayMap(x -> x.9, steps),
    arrayMap(x -> x.10, steps),
    arrayMap(x -> x.11, steps),
    arrayMap(x -> x.12, steps),
    arrayMap(x -> x.13, steps) AS results,
    arrayMap(x -> x.14, steps),
    arrayMap(x -> x.15, steps),
    arrayMap(
        (is_action, through) -> toUInt32(through - is_action),
        arrayMap(k -> toUInt32(k IN ('tool', 'retrieval', 'embedding')), step_kinds) AS action_flags,
        arrayCumSum(action_flags)
    ),
    -- Repeats: the calls sorted by (signature, position), each compared with the one before it
    -- in that order (the latest earlier call with its signature), then put back in step order
    -- by sorting on position. Arrays side by side: no lambda captures a whole array. Only runs
    -- where some signature occurs twice can hold a repeat: the others skip the sorting.
    if(empty(
        if(
            arrayUniq(signatures) - has(signatures, 0) < arrayCount(x -> x != 0, signatures),
            arraySort(
                x -> x.1,
                arrayMap(
                    (c, p) -> (
                        c.2,
                        toUInt32(if(c.1 != 0 AND c.1 = p.1 AND c.3 = p.3 + p.4 AND c.5 = p.5, p.2, 0)),
                        toUInt8(c.5 != 0)),
                    arraySort(
                        x -> (x.1, x.2),
                        arrayZip(
                            signatures,
                            arrayEnumerate(signatures),
                            -- State-changing steps before each step, and whether it is one.
                            arrayMap(
                                (w, through) -> toUInt32(through - w),
                                arrayMap(e -> toUInt32(e IN ('write', 'unknown')), step_effects) AS write_flags,
                                arrayCumSum(write_flags)),
                            write_flags,
                            results)) AS by_call,
                    arraySlice(arrayPushFront(by_call, (0, 0, 0, 0, 0)), 1, length(by_call))
                )
            ),
            []) AS repeats
    ), arrayWithConstant(length(steps), toUInt32(0)), arrayMap(x -> x.2, repeats)),
    if(empty(repeats), arrayWithConstant(length(steps), toUInt8(0)), arrayMap(x -> if(x.2 = 0, 0, x.3), repeats)),
    arrayMap(x -> x.18, steps)
FROM
(
    SELECT
        project,
        run_id,
        -- Sorted, then rid of the copies of a span sent twice (adjacent once sorted): cheaper
        -- than reading the table with FINAL.
        arraySort(x -> (x.1, x.2), groupArray((
            start_time, span_id, kind, tool_name,
            if(kind = 'tool' AND tool_args_fp != '', cityHash64(tool_name, tool_args_fp), 0),
            toUInt8(status_code = 'error' OR error_type != ''),
            total_tokens, input_tokens, cost,
            if(query_fp = '', 0, cityHash64(query_fp)),
            data_source, arrayDistinct(document_ids),
            -- The step's message: an LLM call's output, a tool's or retrieval's result.
            multiIf(
                kind = 'llm', if(output_fp = '', 0, cityHash64(output_fp)),
                result_fp != '', cityHash64(result_fp),
                status_code = 'error' AND status_message != '', cityHash64('error', status_message),
                0),
            if(kind = 'llm', output_tokens, intDiv(result_chars + {chars_per_token:UInt32} - 1, {chars_per_token:UInt32})),
            arrayMap(p -> cityHash64(p), input_part_fps),
            toLowCardinality(multiIf(
                kind IN ('retrieval', 'embedding', 'rerank'), 'read',
                kind != 'tool', 'none',
                effect != '', effect,
                -- By name, neutral first, then write, then read. Sums rather than a multiIf, so
                -- that each match runs over tool_name's dictionary (once per distinct name).
                ['unknown', 'read', 'write', 'write', 'none', 'none', 'none', 'none'][
                    1 + 4 * match(tool_name, {neutral_tools:String}) + 2 * match(tool_name, {write_tools:String})
                        + match(tool_name, {read_tools:String})])),
            -- Why an LLM turn failed: the refused-turn finding says so.
            toLowCardinality(if(kind = 'llm' AND (status_code = 'error' OR error_type != ''),
                left(if(status_message != '', status_message, error_type), 200), '')),
            if(kind IN ('tool', 'retrieval', 'embedding', 'rerank'), cityHash64(leantraceStepSignature(kind, tool_name, data_source)), 0)
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
    SELECT project, run_id, workflow, outcome, service_version, case_id, decided_at, last_ingested_at, outcome_received_at
    FROM {db:Identifier}.runs
    WHERE run_id IN (SELECT run_id FROM batch) AND (project, run_id) IN (SELECT project, run_id FROM batch)
) AS r ON r.project = s.project AND r.run_id = s.run_id
