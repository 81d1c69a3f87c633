-- repeated_retrieval: the run fetched again what it already had, with nothing in between that
-- could have changed it (no state-changing step between the two: see prepare-runs.sql).
--
--   same_query           a retrieval or embedding lookup whose normalized query and data source
--                        match an earlier one; `certain` when both returned the same documents
--                        (or the same result), a `suggestion` when neither result was recorded,
--                        nothing when the results differ;
--   overlapping_results  one whose distinct document ids overlap an earlier result's almost
--                        entirely (Jaccard >= {jaccard_min}), for another query;
--   repeated_read        a read (a tool that only reads: see prepare-runs.sql) that repeats an
--                        earlier call further back in the run than the call just before it, with
--                        the same result ({min_reread_tokens}+ result tokens). A call that changes
--                        state repeated that way (a script run again with only reads between, the
--                        same output) is reported as loop/repeat. Calls already part of a loop
--                        finding are left out (the loop analyzer runs first).
-- Wasted: the repeat's own tokens and the LLM call that chose it; what later calls paid to
-- carry its result is added by finalize.sql.
-- Each row is a candidate finding: the pass (src/pass.ts) inserts them into finding_candidates.
WITH
    runs AS
    (
        SELECT
            *,
            arrayEnumerate(kinds) AS positions,
            arrayFilter((i, k) -> has({lookup_kinds:Array(String)}, k), positions, kinds) AS lookups
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
            if(same_earlier > 0, same_earlier, overlap_earlier) AS earlier,
            if(same_earlier > 0, 'same_query', 'overlapping_results') AS pattern,
            multiIf(
                pattern = 'overlapping_results', 'certain',
                notEmpty(document_ids[step]) AND notEmpty(document_ids[earlier]),
                    if(arraySort(document_ids[step]) = arraySort(document_ids[earlier]), 'certain', ''),
                message_fps[step] != 0 AND message_fps[earlier] != 0,
                    if(message_fps[step] = message_fps[earlier], 'certain', ''),
                empty(document_ids[step]) AND empty(document_ids[earlier]) AND message_fps[step] = 0 AND message_fps[earlier] = 0,
                    'suggestion',
                '') AS confidence,
            if(pattern = 'same_query',
               format('the same query was sent to {} again{}', if(data_sources[step] = '', 'the same source', concat('`', data_sources[step], '`')),
                   if(confidence = 'certain', ' and returned the same result', ' (its results were not recorded)')),
               format('a retrieval returned {}% of the documents an earlier one did',
                   toString(round(arrayJaccardIndex(document_ids[earlier], document_ids[step]) * 100)))) AS what
        FROM
        (
            SELECT
                *,
                arrayFilter((q, k) -> has({lookup_kinds:Array(String)}, k), query_fps, kinds) AS lookup_queries,
                arrayFilter((d, k) -> has({lookup_kinds:Array(String)}, k), data_sources, kinds) AS lookup_sources,
                arrayFilter((d, k) -> has({lookup_kinds:Array(String)}, k), document_ids, kinds) AS lookup_documents,
                -- State-changing steps before each lookup: equal counts, nothing in between.
                arrayFilter(
                    (w, k) -> has({lookup_kinds:Array(String)}, k),
                    arrayMap(
                        (w, through) -> through - w,
                        arrayMap(e -> toUInt32(e IN ('write', 'unknown')), effects) AS write_flags,
                        arrayCumSum(write_flags)),
                    kinds) AS lookup_writes,
                arrayMap(
                    (n, q, src, w) -> lookups[arrayFirstIndex(
                        (m, q2, src2, w2) -> m < n AND w2 = w AND q != 0 AND q2 = q AND src2 = src,
                        arrayEnumerate(lookups), lookup_queries, lookup_sources, lookup_writes)],
                    arrayEnumerate(lookups), lookup_queries, lookup_sources, lookup_writes) AS same_firsts,
                arrayMap(
                    (n, docs, w) -> lookups[arrayFirstIndex(
                        (m, docs2, w2) -> m < n AND w2 = w AND notEmpty(docs) AND notEmpty(docs2)
                            AND arrayJaccardIndex(docs2, docs) >= {jaccard_min:Float64},
                        arrayEnumerate(lookups), lookup_documents, lookup_writes)],
                    arrayEnumerate(lookups), lookup_documents, lookup_writes) AS overlap_firsts
            FROM runs
            -- Only runs where two lookups share a query or a document can hold a repeat.
            WHERE length(lookups) >= 2
                AND (
                    length(arrayDistinct(arrayFilter((t, k) -> t.1 != 0 AND has({lookup_kinds:Array(String)}, k), arrayZip(query_fps, data_sources), kinds)))
                        < length(arrayFilter((q, k) -> q != 0 AND has({lookup_kinds:Array(String)}, k), query_fps, kinds))
                    OR length(arrayFlatten(arrayFilter((d, k) -> has({lookup_kinds:Array(String)}, k), document_ids, kinds)))
                        > length(arrayDistinct(arrayFlatten(arrayFilter((d, k) -> has({lookup_kinds:Array(String)}, k), document_ids, kinds))))
                )
        )
        ARRAY JOIN lookups AS step, same_firsts AS same_earlier, overlap_firsts AS overlap_earlier
        WHERE (same_earlier > 0 OR overlap_earlier > 0) AND confidence != ''
    ),
    call_repeats AS
    (
        SELECT
            *,
            step,
            earlier,
            if(effects[step] = 'read', 'repeated_retrieval', 'loop') AS kind,
            if(effects[step] = 'read', 'repeated_read', 'repeat') AS pattern,
            if(repeat_known[step] = 1, 'certain', 'suggestion') AS confidence,
            format('`{}` was called again with the same arguments {} steps after an identical call and returned the same result{}; nothing in between could have changed it',
                tool_names[step], toString(actions_before[step] - actions_before[earlier]),
                if(repeat_known[step] = 1, '', ' (as far as can be told: results were not recorded)')) AS what
        FROM
        (
            SELECT
                r.*,
                arrayMap((k, e) -> has({action_kinds:Array(String)}, k) AND e != 'none', kinds, effects) AS is_act,
                arrayFilter((i, a) -> a, positions, is_act) AS acts,
                -- A call's repeat of the action just before it is a loop's; further back, ours.
                arrayFilter(
                    (i, rep, p) -> rep != 0 AND rep != p AND message_tokens[i] >= {min_reread_tokens:UInt32} AND NOT has(l.spans, span_ids[i]),
                    acts,
                    arrayFilter((rep, a) -> a, repeat_of, is_act),
                    arraySlice(arrayPushFront(acts, 0), 1, length(acts))) AS repeated
            FROM runs AS r
            LEFT JOIN loop_spans AS l ON l.project = r.project AND l.run_id = r.run_id
            WHERE arrayExists(x -> x != 0, repeat_of)
        )
        ARRAY JOIN repeated AS step, arrayMap(i -> repeat_of[i], repeated) AS earlier
    ),
    repeats AS
    (
        SELECT project, run_id, workflow, outcome, service_version, span_ids, kinds, tokens, actions_before, step, earlier,
            'repeated_retrieval' AS kind, pattern, confidence, what
        FROM lookup_repeats
        UNION ALL
        SELECT project, run_id, workflow, outcome, service_version, span_ids, kinds, tokens, actions_before, step, earlier,
            kind, pattern, confidence, what
        FROM call_repeats
    )
SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, kind, pattern, confidence,
    arrayConcat([span_ids[earlier], span_ids[step]], arrayMap(i -> span_ids[i], choosers)),
    arrayMap(i -> span_ids[i], arrayConcat([step], choosers)) AS wasted_ids,
    arrayMap(i -> tokens[i], arrayConcat([step], choosers)) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    -- Without a call that chose it alone (code repeated the lookup), only the repeat is charged,
    -- and a lookup that is not metered costs a round trip, not tokens: said so, not "0 tokens".
    multiIf(
        length(choosers) > 0,
        format('{}; the repeat and the LLM call that chose it used {} tokens', what, leantraceThousands(wasted)),
        wasted > 0,
        format('{}; the repeat used {} tokens', what, leantraceThousands(wasted)),
        format('{}; no LLM call chose the repeat and it used no tokens: it cost a call, not tokens', what))
FROM
(
    SELECT
        *,
        arrayFilter(j -> j > 0, [leantraceChooser(kinds, actions_before, step, {action_kinds:Array(String)})]) AS choosers
    FROM repeats
)
