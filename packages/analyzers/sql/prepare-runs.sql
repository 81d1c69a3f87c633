-- Lays out this pass's runs once for every analyzer: one row per run, its facts from the
-- `runs` view, its steps sorted by start time (then end time) as parallel arrays, and what every analyzer asks
-- of them: which steps can change state, and which calls repeat an earlier one.
--
-- What a step does to the world (effects):
--   the kinds that read ({read_kinds})                   'read'
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
--
-- {full} = 1 reads every span without the batch filter: a full pass takes every complete run,
-- and filtering ten million rows by a set of all of them costs more than it saves.
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
    steps.span_id,
    steps.kind AS step_kinds,
    steps.start_time,
    steps.tool_name,
    steps.signature AS signatures,
    steps.effect AS step_effects,
    steps.failed,
    steps.error_text,
    steps.tokens,
    steps.input_tokens,
    steps.cost,
    steps.query,
    steps.data_source,
    steps.documents,
    steps.message AS results,
    steps.message_tokens,
    steps.input_parts,
    arrayMap(
        (is_action, through) -> toUInt32(through - is_action),
        arrayMap(k -> toUInt32(has({action_kinds:Array(String)}, k)), step_kinds) AS action_flags,
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
                x -> x.position,
                arrayMap(
                    (call, previous) -> tuple(
                        call.position AS position,
                        toUInt32(if(
                            call.signature != 0
                                AND call.signature = previous.signature
                                AND call.writes_before = previous.writes_before + previous.writes
                                AND call.result = previous.result,
                            previous.position, 0)) AS repeat_of,
                        toUInt8(call.result != 0) AS known),
                    arraySort(
                        x -> (x.signature, x.position),
                        arrayMap(
                            (s, p, wb, w, r) -> tuple(
                                s AS signature, p AS position, wb AS writes_before, w AS writes, r AS result),
                            signatures,
                            arrayEnumerate(signatures),
                            -- State-changing steps before each step, and whether it is one.
                            arrayMap(
                                (w, through) -> toUInt32(through - w),
                                arrayMap(e -> toUInt32(e IN ('write', 'unknown')), step_effects) AS write_flags,
                                arrayCumSum(write_flags)),
                            write_flags,
                            results)) AS by_call,
                    arrayPushFront(
                        arraySlice(by_call, 1, length(by_call) - 1),
                        tuple(toUInt64(0) AS signature, toUInt32(0) AS position, toUInt32(0) AS writes_before,
                            toUInt32(0) AS writes, toUInt64(0) AS result))
                )
            ),
            []) AS repeats
    ), arrayWithConstant(length(step_kinds), toUInt32(0)), arrayMap(x -> x.repeat_of, repeats)),
    if(empty(repeats), arrayWithConstant(length(step_kinds), toUInt8(0)),
        arrayMap(x -> if(x.repeat_of = 0, 0, x.known), repeats)),
    steps.step_signature
FROM
(
    SELECT
        project,
        run_id,
        -- Sorted, then rid of the copies of a span sent twice (adjacent once sorted): cheaper
        -- than reading the table with FINAL. Starts are often only to the millisecond
        -- (OpenTelemetry JS): of two steps that start together, the one that ended first ran
        -- first (a fast tool call before the LLM call that read its result).
        -- Of a span's versions, the newest comes first and is the one kept; a version marked as
        -- another instrumentation's copy of a provider call (mark-duplicate-calls.sql) is no step.
        arraySort(x -> (x.start_time, x.end_time, x.span_id, -x.version), groupArray(tuple(
            start_time AS start_time,
            end_time AS end_time,
            span_id AS span_id,
            toUnixTimestamp64Milli(ingested_at) AS version,
            duplicate_of != '' AS repeated,
            kind AS kind,
            tool_name AS tool_name,
            if(kind = 'tool' AND tool_args_fp != '', cityHash64(tool_name, tool_args_fp), 0) AS signature,
            toUInt8(status_code = 'error' OR error_type != '') AS failed,
            total_tokens AS tokens,
            input_tokens AS input_tokens,
            cost AS cost,
            if(query_fp = '', 0, cityHash64(query_fp)) AS query,
            data_source AS data_source,
            arrayDistinct(document_ids) AS documents,
            -- The step's message: an LLM call's output, a tool's or retrieval's result.
            multiIf(
                kind = 'llm', if(output_fp = '', 0, cityHash64(output_fp)),
                result_fp != '', cityHash64(result_fp),
                status_code = 'error' AND status_message != '', cityHash64('error', status_message),
                0) AS message,
            if(kind = 'llm', output_tokens, intDiv(result_chars + {chars_per_token:UInt32} - 1, {chars_per_token:UInt32}))
                AS message_tokens,
            arrayMap(p -> cityHash64(p), input_part_fps) AS input_parts,
            toLowCardinality(multiIf(
                has({read_kinds:Array(String)}, kind), 'read',
                kind != 'tool', 'none',
                effect != '', effect,
                -- By name, neutral first, then write, then read. Sums rather than a multiIf, so
                -- that each match runs over tool_name's dictionary (once per distinct name).
                ['unknown', 'read', 'write', 'write', 'none', 'none', 'none', 'none'][
                    1 + 4 * match(tool_name, {neutral_tools:String}) + 2 * match(tool_name, {write_tools:String})
                        + match(tool_name, {read_tools:String})])) AS effect,
            -- Why an LLM turn failed: the refused-turn finding says so.
            toLowCardinality(if(kind = 'llm' AND (status_code = 'error' OR error_type != ''),
                left(if(status_message != '', status_message, error_type), 200), '')) AS error_text,
            if(has({action_kinds:Array(String)}, kind),
                cityHash64(leantraceStepSignature(kind, tool_name, data_source, {read_kinds:Array(String)})), 0)
                AS step_signature
        ))) AS sorted,
        arrayFilter(
            (x, previous) -> x.span_id != previous AND NOT x.repeated,
            sorted,
            arrayPushFront(arrayPopBack(arrayMap(x -> x.span_id, sorted)), '')) AS steps
    FROM {db:Identifier}.spans
    -- The batch filter: run_id alone first, it lets the run_id index skip granules; the pair
    -- is the exact match.
    WHERE kind IN ('llm', 'embedding', 'retrieval', 'rerank', 'tool', 'reasoning')
        AND ({full:UInt8} = 1
            OR (run_id IN (SELECT run_id FROM batch) AND (project, run_id) IN (SELECT project, run_id FROM batch)))
    GROUP BY project, run_id
) AS s
RIGHT JOIN
(
    SELECT project, run_id, workflow, outcome, service_version, case_id, decided_at, last_ingested_at, outcome_received_at
    FROM {db:Identifier}.runs
    WHERE run_id IN (SELECT run_id FROM batch) AND (project, run_id) IN (SELECT project, run_id FROM batch)
) AS r ON r.project = s.project AND r.run_id = s.run_id
SETTINGS enable_named_columns_in_function_tuple = 1
