-- Lays out the steps of this pass's runs in order, once, for every analyzer to read.
--
-- Steps are the spans that do work (LLM, embedding, retrieval, rerank, tool, reasoning);
-- workflow, agent and other wrapper spans are left out. A step's `actions_before` counts the
-- tool, retrieval and embedding steps before it in its run: the LLM calls with
-- actions_before = k are the ones that chose action number k (counting from 0), which is how
-- the analyzers charge a wasted action with the LLM calls that led to it.
INSERT INTO {db:Identifier}.analysis_steps
(
    pass_id, run_id, seq, workflow, outcome, service_version, decided_at, kind, span_id, start_time,
    tool_name, call_signature, is_error, tokens, input_tokens, cost, output_fp, query_fp, data_source,
    document_ids, result_fp, result_tokens, input_part_fps, actions_before
)
WITH batch AS
(
    SELECT run_id FROM {db:Identifier}.analysis_batch WHERE pass_id = {pass:UInt64}
)
SELECT
    {pass:UInt64},
    s.run_id,
    row_number() OVER (PARTITION BY s.run_id ORDER BY s.start_time, s.span_id) AS seq,
    r.workflow,
    r.outcome,
    r.service_version,
    r.decided_at,
    s.kind,
    s.span_id,
    s.start_time,
    s.tool_name,
    if(s.kind = 'tool', concat(s.tool_name, ':', s.tool_args_fp), '') AS call_signature,
    s.status_code = 'error' AS is_error,
    s.total_tokens,
    s.input_tokens,
    s.cost,
    s.output_fp,
    s.query_fp,
    s.data_source,
    s.document_ids,
    s.result_fp,
    intDiv(s.result_chars + {chars_per_token:UInt32} - 1, {chars_per_token:UInt32}) AS result_tokens,
    s.input_part_fps,
    toUInt32(ifNull(sum(toUInt32(s.kind IN ('tool', 'retrieval', 'embedding'))) OVER (
        PARTITION BY s.run_id ORDER BY s.start_time, s.span_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS actions_before
FROM
(
    SELECT
        run_id, span_id, start_time, kind, tool_name, tool_args_fp, status_code, total_tokens, input_tokens,
        cost, output_fp, query_fp, data_source, document_ids, result_fp, result_chars, input_part_fps
    FROM {db:Identifier}.spans FINAL
    WHERE run_id IN (SELECT run_id FROM batch)
        AND kind IN ('llm', 'embedding', 'retrieval', 'rerank', 'tool', 'reasoning')
) AS s
INNER JOIN
(
    SELECT run_id, workflow, outcome, service_version, decided_at
    FROM {db:Identifier}.runs
    WHERE run_id IN (SELECT run_id FROM batch)
) AS r ON r.run_id = s.run_id
