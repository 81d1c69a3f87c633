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
-- Each row is a candidate finding: the pass (src/pass.ts) inserts them into finding_candidates.
WITH
    runs AS
    (
        SELECT
            *,
            arrayEnumerate(kinds) AS positions,
            arrayFilter((i, k) -> k IN ('retrieval', 'embedding'), positions, kinds) AS lookups,
            arrayFilter((i, k) -> k = 'tool', positions, kinds) AS tools
        FROM {db:Identifier}.analysis_runs
        WHERE pass_id = {pass:UInt64}
    ),
    loop_spans AS
    (
        SELECT project, run_id, groupArrayArray(span_ids) AS spans
        FROM {db:Identifier}.finding_candidates
        WHERE pass_id = {pass:UInt64} AND kind = 'loop'
        GROUP BY project, run_id
    ),
    lookup_repeats AS
    (
        -- Each lookup with its earliest earlier match (0: none). The lookups' own arrays are
        -- taken apart first: the pairwise lambda then copies a few elements, not the whole run.
        SELECT
            *,
            step,
            earlier,
            if(query_fps[step] != 0 AND query_fps[earlier] = query_fps[step] AND data_sources[earlier] = data_sources[step],
               'same_query', 'overlapping_results') AS pattern,
            if(pattern = 'same_query',
               format('the same query was sent to {} again', if(data_sources[step] = '', 'the same source', concat('`', data_sources[step], '`'))),
               format('a retrieval returned {}% of the documents an earlier one did',
                   toString(round(arrayJaccardIndex(document_ids[earlier], document_ids[step]) * 100)))) AS what
        FROM
        (
            SELECT
                *,
                arrayFilter((q, k) -> k IN ('retrieval', 'embedding'), query_fps, kinds) AS lookup_queries,
                arrayFilter((d, k) -> k IN ('retrieval', 'embedding'), data_sources, kinds) AS lookup_sources,
                arrayFilter((d, k) -> k IN ('retrieval', 'embedding'), document_ids, kinds) AS lookup_documents,
                arrayMap(
                    (n, q, src, docs) -> lookups[arrayFirstIndex(
                        (m, q2, src2, docs2) -> m < n AND (
                            (q != 0 AND q2 = q AND src2 = src)
                            OR (notEmpty(docs) AND notEmpty(docs2) AND arrayJaccardIndex(docs2, docs) >= {jaccard_min:Float64})),
                        arrayEnumerate(lookups), lookup_queries, lookup_sources, lookup_documents)],
                    arrayEnumerate(lookups), lookup_queries, lookup_sources, lookup_documents) AS firsts
            FROM runs
            -- Only runs where two lookups share a query or a document can hold a repeat.
            WHERE length(lookups) >= 2
                AND (
                    length(arrayDistinct(arrayFilter((t, k) -> t.1 != 0 AND k IN ('retrieval', 'embedding'), arrayZip(query_fps, data_sources), kinds)))
                        < length(arrayFilter((q, k) -> q != 0 AND k IN ('retrieval', 'embedding'), query_fps, kinds))
                    OR length(arrayFlatten(arrayFilter((d, k) -> k IN ('retrieval', 'embedding'), document_ids, kinds)))
                        > length(arrayDistinct(arrayFlatten(arrayFilter((d, k) -> k IN ('retrieval', 'embedding'), document_ids, kinds))))
                )
        )
        ARRAY JOIN lookups AS step, firsts AS earlier
        WHERE earlier > 0
    ),
    read_repeats AS
    (
        SELECT
            *,
            step,
            earlier,
            'repeated_read' AS pattern,
            format('`{}` was called again with the same arguments and returned the same result', tool_names[step]) AS what
        FROM
        (
            SELECT
                r.*,
                arrayMap(
                    (i, k) -> if(
                        k > 1 AND call_signatures[tools[k - 1]] != call_signatures[i]
                            AND result_fps[i] != 0 AND result_tokens[i] >= {min_reread_tokens:UInt32}
                            AND match(tool_names[i], {read_tools:String}) AND NOT has(l.spans, span_ids[i]),
                        arrayFirst(j -> j < i AND call_signatures[j] = call_signatures[i] AND result_fps[j] = result_fps[i], tools),
                        0),
                    tools, arrayEnumerate(tools)) AS firsts
            FROM runs AS r
            LEFT JOIN loop_spans AS l ON l.project = r.project AND l.run_id = r.run_id
            -- Only runs where some call and result occur twice can hold a re-read.
            WHERE length(arrayDistinct(arrayFilter((t, k) -> k = 'tool', arrayZip(call_signatures, result_fps), kinds)))
                < length(tools)
        )
        ARRAY JOIN tools AS step, firsts AS earlier
        WHERE earlier > 0
    ),
    repeats AS
    (
        SELECT project, run_id, workflow, outcome, service_version, span_ids, kinds, tokens, input_tokens, result_fps,
            result_tokens, input_part_fps, positions, step, earlier, pattern, what
        FROM lookup_repeats
        UNION ALL
        SELECT project, run_id, workflow, outcome, service_version, span_ids, kinds, tokens, input_tokens, result_fps,
            result_tokens, input_part_fps, positions, step, earlier, pattern, what
        FROM read_repeats
    ),
    charged AS
    (
        SELECT
            *,
            if(
                arrayExists(p -> notEmpty(p), input_part_fps),
                arrayFirst((j, k, p) -> j > step AND k = 'llm' AND has(p, result_fps[step]), positions, kinds, input_part_fps),
                arrayFirst((j, k) -> j > step AND k = 'llm', positions, kinds)
            ) AS consumer,
            if(consumer = 0, 0, least(result_tokens[step], input_tokens[consumer])) AS context_tokens
        FROM repeats
    )
SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'repeated_retrieval', pattern, 'certain',
    if(consumer = 0, [span_ids[earlier], span_ids[step]], [span_ids[earlier], span_ids[step], span_ids[consumer]]),
    if(consumer = 0, [span_ids[step]], [span_ids[step], span_ids[consumer]]) AS wasted_ids,
    if(consumer = 0, [tokens[step]], [tokens[step], context_tokens]) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('{}; the repeat and the context it re-injected used {} tokens', what, leantraceThousands(wasted))
FROM charged
