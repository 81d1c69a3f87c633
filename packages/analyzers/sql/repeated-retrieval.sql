-- repeated_retrieval: the run fetched again what it already had.
--
--   same_query           a retrieval or embedding lookup whose normalised query and data source
--                        match an earlier one in the run;
--   overlapping_results  one whose result ids overlap an earlier result almost entirely
--                        (Jaccard >= {jaccard_min});
--   repeated_read        a read-style tool call ({read_tools}) repeated later in the run with
--                        identical arguments and an identical result, not right after itself
--                        and not already part of a loop finding (the loop analyzer runs first);
--                        results under {min_reread_tokens} tokens are left out: too small to
--                        matter, and mostly the empty output of a command that wrote something.
-- Wasted: the repeat's own tokens, and the tokens its re-injected result cost in the LLM call
-- that consumed it: the first later LLM call whose input holds the result's fingerprint, or the
-- next LLM call when the run records no input fingerprints; at most that call's input tokens.
INSERT INTO {db:Identifier}.finding_candidates
(
    pass_id, run_id, workflow, outcome, service_version, kind, pattern, confidence,
    span_ids, wasted_span_ids, wasted_span_tokens, wasted_tokens, explanation
)
WITH
    steps AS
    (
        SELECT * FROM {db:Identifier}.analysis_steps WHERE pass_id = {pass:UInt64}
    ),
    lookups AS
    (
        SELECT * FROM steps WHERE kind IN ('retrieval', 'embedding')
    ),
    lookup_repeats AS
    (
        -- Each later lookup paired with its earliest match.
        SELECT
            later.run_id AS run_id, later.span_id AS span_id, later.seq AS seq,
            any(later.workflow) AS workflow, any(later.outcome) AS outcome,
            any(later.service_version) AS service_version,
            any(later.tokens) AS own_tokens, any(later.result_fp) AS result_fp,
            any(later.result_tokens) AS result_tokens,
            argMin(earlier.span_id, earlier.seq) AS first_span_id,
            argMin(
                if(earlier.query_fp != '' AND earlier.query_fp = later.query_fp AND earlier.data_source = later.data_source,
                   'same_query', 'overlapping_results'),
                earlier.seq) AS pattern,
            argMin(if(later.data_source = '', 'the same source', concat('`', later.data_source, '`')), earlier.seq) AS source,
            argMin(arrayJaccardIndex(earlier.document_ids, later.document_ids), earlier.seq) AS overlap
        FROM lookups AS later
        INNER JOIN lookups AS earlier ON earlier.run_id = later.run_id
        WHERE earlier.seq < later.seq
            AND (
                (later.query_fp != '' AND earlier.query_fp = later.query_fp AND earlier.data_source = later.data_source)
                OR (notEmpty(later.document_ids) AND notEmpty(earlier.document_ids)
                    AND arrayJaccardIndex(earlier.document_ids, later.document_ids) >= {jaccard_min:Float64})
            )
        GROUP BY later.run_id, later.span_id, later.seq
    ),
    tools AS
    (
        SELECT
            *,
            lagInFrame(call_signature, 1, '') OVER (PARTITION BY run_id ORDER BY seq ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous_call
        FROM steps
        WHERE kind = 'tool'
    ),
    read_repeats AS
    (
        SELECT
            later.run_id AS run_id, later.span_id AS span_id, later.seq AS seq,
            any(later.workflow) AS workflow, any(later.outcome) AS outcome,
            any(later.service_version) AS service_version,
            any(later.tokens) AS own_tokens, any(later.result_fp) AS result_fp,
            any(later.result_tokens) AS result_tokens,
            argMin(earlier.span_id, earlier.seq) AS first_span_id,
            any(later.tool_name) AS tool,
            count() AS earlier_calls
        FROM tools AS later
        INNER JOIN tools AS earlier
            ON earlier.run_id = later.run_id AND earlier.call_signature = later.call_signature
            AND earlier.result_fp = later.result_fp
        WHERE earlier.seq < later.seq
            AND later.result_fp != ''
            AND later.result_tokens >= {min_reread_tokens:UInt32}
            AND later.previous_call != later.call_signature
            AND match(later.tool_name, {read_tools:String})
            AND later.span_id NOT IN
            (
                SELECT arrayJoin(span_ids) FROM {db:Identifier}.finding_candidates
                WHERE pass_id = {pass:UInt64} AND kind = 'loop'
            )
        GROUP BY later.run_id, later.span_id, later.seq
    ),
    repeats AS
    (
        SELECT
            run_id, span_id, seq, workflow, outcome, service_version, own_tokens, result_fp, result_tokens,
            first_span_id, pattern,
            if(pattern = 'same_query',
               format('the same query was sent to {} again', source),
               format('a retrieval returned {}% of the documents an earlier one did', toString(round(overlap * 100)))) AS what
        FROM lookup_repeats
        UNION ALL
        SELECT
            run_id, span_id, seq, workflow, outcome, service_version, own_tokens, result_fp, result_tokens,
            first_span_id, 'repeated_read',
            format('`{}` was called again with the same arguments and returned the same result', tool)
        FROM read_repeats
    ),
    llm_calls AS
    (
        SELECT run_id, seq, span_id, input_tokens, input_part_fps FROM steps WHERE kind = 'llm'
    ),
    consumers AS
    (
        -- The LLM call that read the repeated result back in.
        SELECT
            r.run_id AS run_id, r.span_id AS span_id,
            argMinIf(l.span_id, l.seq, has(l.input_part_fps, r.result_fp)) AS by_fingerprint,
            argMinIf(l.input_tokens, l.seq, has(l.input_part_fps, r.result_fp)) AS by_fingerprint_input,
            countIf(notEmpty(l.input_part_fps)) > 0 AS fingerprints_known,
            argMin(l.span_id, l.seq) AS next_call,
            argMin(l.input_tokens, l.seq) AS next_call_input
        FROM repeats AS r
        INNER JOIN llm_calls AS l ON l.run_id = r.run_id
        WHERE l.seq > r.seq
        GROUP BY r.run_id, r.span_id
    ),
    charged AS
    (
        SELECT
            r.*,
            if(c.fingerprints_known, c.by_fingerprint, c.next_call) AS consumer,
            if(consumer = '', 0, least(r.result_tokens, if(c.fingerprints_known, c.by_fingerprint_input, c.next_call_input))) AS context_tokens
        FROM repeats AS r
        LEFT JOIN consumers AS c ON c.run_id = r.run_id AND c.span_id = r.span_id
    )
SELECT
    {pass:UInt64}, run_id, workflow, outcome, service_version, 'repeated_retrieval', pattern, 'certain',
    arrayFilter(x -> x != '', [first_span_id, span_id, consumer]),
    arrayFilter(x -> x != '', [span_id, consumer]) AS wasted_ids,
    if(consumer = '', [own_tokens], [own_tokens, context_tokens]) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('{}; the repeat and the context it re-injected used {} tokens', what, leantraceThousands(wasted))
FROM charged
