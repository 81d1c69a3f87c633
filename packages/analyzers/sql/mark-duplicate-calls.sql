-- Two instrumentations can both record one provider call: LangChain's callback handler and the
-- OpenAI client's patch each make an llm span for it, siblings under one parent, the client's
-- inside LangChain's in time, with the same model and the same usage. Summed, the call counts
-- twice. This marks the copy, for the runs of this pass, before they are laid out.
--
-- A copy is an llm or embedding span of the same trace as another (the kept one), from another
-- instrumentation scope, with the same model and the same input and output tokens, whose time
-- holds the kept one's: the kept span is the one nearest the provider (the innermost; of two
-- with the same times, the lower span id). A copy is written again, a newer version of the same
-- row (ReplacingMergeTree keeps the newest: ingested_at now), naming the kept span in
-- duplicate_of and carrying no tokens and no cost; its attributes keep what it reported. Being
-- newly ingested, its day is metered again (packages/budgets), so usage drops the copy too.
-- Done here rather than at ingest because the two spans often arrive in different requests
-- (Traceloop's `disableBatch` exports each span on its own).
-- Cost: one scan of the batch's LLM and embedding spans, grouped by trace, finds the traces
-- where more than one instrumentation recorded calls (most have one: nothing more is read); only
-- those traces are read in full, through the primary key.
INSERT INTO {db:Identifier}.spans
WITH
    batch AS
    (
        SELECT project, run_id FROM {db:Identifier}.analysis_batch WHERE pass_id = {pass:UInt64}
    ),
    mixed AS
    (
        SELECT project, trace_id
        FROM {db:Identifier}.spans
        WHERE kind IN ('llm', 'embedding')
            AND input_tokens + output_tokens > 0
            AND ({full:UInt8} = 1
                OR (run_id IN (SELECT run_id FROM batch) AND (project, run_id) IN (SELECT project, run_id FROM batch)))
        GROUP BY project, trace_id
        HAVING min(scope_name) != max(scope_name)
    ),
    calls AS
    (
        SELECT project, trace_id, span_id, model, input_tokens, output_tokens, scope_name, start_time, end_time, duration_ns
        FROM {db:Identifier}.spans FINAL
        WHERE trace_id IN (SELECT trace_id FROM mixed)
            AND (project, trace_id) IN (SELECT project, trace_id FROM mixed)
            AND kind IN ('llm', 'embedding')
            AND duplicate_of = ''
            AND input_tokens + output_tokens > 0
    ),
    copies AS
    (
        SELECT c.project AS project, c.trace_id AS trace_id, c.span_id AS span_id,
            argMin(k.span_id, (k.duration_ns, k.span_id)) AS kept
        FROM calls AS c
        INNER JOIN calls AS k
            ON c.project = k.project AND c.trace_id = k.trace_id AND c.model = k.model
            AND c.input_tokens = k.input_tokens AND c.output_tokens = k.output_tokens
        WHERE c.scope_name != k.scope_name
            AND k.start_time >= c.start_time AND k.end_time <= c.end_time
            AND (k.duration_ns < c.duration_ns OR (k.duration_ns = c.duration_ns AND k.span_id < c.span_id))
        GROUP BY c.project, c.trace_id, c.span_id
    )
SELECT s.* REPLACE (
    d.kept AS duplicate_of,
    0 AS input_tokens,
    0 AS output_tokens,
    0 AS cache_read_input_tokens,
    0 AS cache_creation_input_tokens,
    0 AS reasoning_output_tokens,
    0 AS total_tokens,
    if(isNull(s.cost), NULL, 0) AS cost,
    now64(3) AS ingested_at
)
FROM {db:Identifier}.spans AS s FINAL
INNER JOIN copies AS d ON s.project = d.project AND s.trace_id = d.trace_id AND s.span_id = d.span_id
WHERE s.trace_id IN (SELECT trace_id FROM copies)
