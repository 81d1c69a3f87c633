-- Synthetic agent runs for the analyzer benchmark, {spans_per_run} spans each: a workflow root
-- with its outcome, then LLM calls alternating with tool calls, two retrievals. Some runs loop
-- (the same call three times, the same result), repeat a retrieval, re-read a file, leave a
-- result unused or have an LLM turn refused, so that every analyzer has work; the rest are clean.
INSERT INTO {db:Identifier}.spans
(
    trace_id, span_id, parent_span_id, run_id, workflow, span_name, kind, operation, service_name,
    service_version, model, provider, input_tokens, output_tokens, total_tokens, cost, tool_name,
    tool_args_fp, result_fp, result_chars, query_fp, data_source, document_ids, input_fp,
    input_part_fps, output_fp, outcome, status_code, start_time, end_time, duration_ns, ingested_at
)
SELECT
    leftPad(lower(hex(run)), 32, '0') AS trace_id,
    leftPad(lower(hex(number + 1)), 16, '0') AS span_id,
    if(pos = 0, '', leftPad(lower(hex(run * {spans_per_run:UInt64} + 1)), 16, '0')) AS parent_span_id,
    trace_id AS run_id,
    if(pos = 0, ['support', 'coding', 'research', 'triage', 'billing'][run % 5 + 1], '') AS workflow,
    multiIf(pos = 0, 'invoke_workflow', kind = 'llm', 'chat gpt-4.1-mini', kind = 'tool', concat('execute_tool ', tool_name), 'retrieval docs') AS span_name,
    multiIf(pos = 0, 'workflow', pos IN (2, 30), 'retrieval', pos % 2 = 1, 'llm', 'tool') AS kind,
    multiIf(kind = 'workflow', 'invoke_workflow', kind = 'llm', 'chat', kind = 'tool', 'execute_tool', 'retrieval') AS operation,
    'bench-agent' AS service_name,
    if(run % 2 = 0, '1.0.0', '1.1.0') AS service_version,
    if(kind = 'llm', 'gpt-4.1-mini', '') AS model,
    if(kind = 'llm', 'openai', '') AS provider,
    if(kind = 'llm', 800 + (cityHash64(number) % 4000), 0) AS input_tokens,
    if(kind = 'llm', 50 + (cityHash64(number, 1) % 400), 0) AS output_tokens,
    input_tokens + output_tokens AS total_tokens,
    if(kind = 'llm', (input_tokens * 0.4 + output_tokens * 1.6) / 1e6, NULL) AS cost,
    if(kind = 'tool',
       if((run % 20 = 0 AND pos IN (10, 12, 14)) OR (run % 15 = 0 AND pos IN (8, 24)), 'read_file',
          ['read_file', 'grep', 'edit_file', 'run_tests', 'bash'][(run + pos) % 5 + 1]),
       '') AS tool_name,
    -- Loops: in every 20th run, tool calls 10, 12 and 14 are the same call.
    if(kind = 'tool',
       toString(cityHash64(toUInt64(multiIf(run % 20 = 0 AND pos IN (10, 12, 14), run * 1000, run % 15 = 0 AND pos IN (8, 24), run * 1000 + 1, number)))),
       '') AS tool_args_fp,
    -- Re-reads: in every 15th run, call 24 returns what call 8 did, with the same arguments
    -- (read_file: a read, so the tools between, whatever they are, decide whether it counts).
    if(kind IN ('tool', 'retrieval'), toString(cityHash64(result_key)), '') AS result_fp,
    if(kind IN ('tool', 'retrieval'), 200 + cityHash64(number, 3) % 3000, 0) AS result_chars,
    -- Repeated retrievals: every 25th run asks the same query twice.
    if(kind = 'retrieval', toString(cityHash64(if(run % 25 = 0, run, number), 4)), '') AS query_fp,
    if(kind = 'retrieval', 'docs', '') AS data_source,
    if(kind = 'retrieval', [toString(number), toString(number + 1), toString(number + 2)], []) AS document_ids,
    if(kind = 'llm', toString(cityHash64(number, 5)), '') AS input_fp,
    -- Each LLM call reads the result before it, except in every 30th run (an unused result).
    if(kind = 'llm' AND pos > 1 AND NOT (run % 30 = 0 AND pos = 17), [toString(cityHash64(previous_result_key))], []) AS input_part_fps,
    if(kind = 'llm', toString(cityHash64(number, 6)), '') AS output_fp,
    if(pos = 0, if(run % 10 < 8, 'success', 'failure'), '') AS outcome,
    -- Refused turns: in every 12th run, LLM call 21 could not be used.
    if(kind = 'llm' AND run % 12 = 0 AND pos = 21, 'error', 'unset') AS status_code,
    toDateTime64('2026-11-01 00:00:00', 9, 'UTC') + toIntervalSecond(run) + toIntervalMillisecond(pos * 10) AS start_time,
    start_time + toIntervalMillisecond(if(pos = 0, 400, 8)) AS end_time,
    toUInt64(if(pos = 0, 400, 8) * 1000000) AS duration_ns,
    {ingested_at:DateTime64(3)} AS ingested_at
FROM
(
    SELECT
        number,
        intDiv(number, {spans_per_run:UInt64}) AS run,
        number % {spans_per_run:UInt64} AS pos,
        -- What a step returned, and what the step before it returned (the next prompt reads it).
        toUInt64(multiIf(run % 15 = 0 AND pos IN (8, 24), run * 1000 + 1, run % 20 = 0 AND pos IN (10, 12, 14), run * 1000, number)) AS result_key,
        toUInt64(multiIf(run % 15 = 0 AND pos - 1 IN (8, 24), run * 1000 + 1, run % 20 = 0 AND pos - 1 IN (10, 12, 14), run * 1000, number - 1)) AS previous_result_key
    FROM numbers({first_run:UInt64} * {spans_per_run:UInt64}, {runs:UInt64} * {spans_per_run:UInt64})
)
