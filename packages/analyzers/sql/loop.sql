-- loop: the run repeats itself without progress.
--
-- Over the sequence of a run's tool calls (LLM calls between them do not break it):
--   repeat       the same call (tool name + canonical arguments) {loop_min_repeats}+ times in a row;
--   error_retry  the same, every call failing;
--   alternation  a cycle of 2 or 3 distinct calls repeated {alternation_min_cycles}+ times (A-B-A-B-A-B);
-- and over the run's LLM calls:
--   monologue    the same output fingerprint {monologue_min_repeats}+ times in a row.
-- Wasted: every repetition after the first, with the LLM calls that chose it (for a monologue,
-- the repeated LLM calls themselves).
--
-- Works on whole runs with array functions. Lambdas take arrays side by side (the previous
-- call is the same array shifted by one) rather than indexing into a captured array, which
-- ClickHouse would copy for every element.
-- Each row is a candidate finding: the pass (src/pass.ts) inserts them into finding_candidates.
WITH
    runs AS
    (
        SELECT
            project, run_id, workflow, outcome, service_version, span_ids, tokens, kinds, actions_before, tool_names, errors,
            arrayFilter((i, k) -> k = 'tool', arrayEnumerate(kinds), kinds) AS tools,
            arrayFilter((s, k) -> k = 'tool', call_signatures, kinds) AS sigs,
            arrayPushFront(arrayPopBack(sigs), 0) AS back1,
            arrayConcat([0, 0], arraySlice(sigs, 1, length(sigs) - 2)) AS back2,
            arrayConcat([0, 0, 0], arraySlice(sigs, 1, length(sigs) - 3)) AS back3,
            arrayFilter((i, k) -> k = 'llm', arrayEnumerate(kinds), kinds) AS llms,
            arrayFilter((o, k) -> k = 'llm', output_fps, kinds) AS outs
        FROM {db:Identifier}.analysis_runs
        WHERE pass_id = {pass:UInt64}
    ),
    repeats AS
    (
        SELECT
            project, run_id, workflow, outcome, service_version, span_ids, tokens, kinds, actions_before, tool_names,
            arrayMap(k -> tools[k], block) AS calls,
            arrayAll(i -> errors[i] = 1, calls) AS all_failed
        FROM runs
        ARRAY JOIN arrayFilter(
            b -> length(b) >= {loop_min_repeats:UInt32},
            arraySplit((k, fresh) -> fresh, arrayEnumerate(sigs), arrayMap((s, p) -> s != p, sigs, back1))
        ) AS block
        WHERE length(sigs) >= {loop_min_repeats:UInt32}
    ),
    cycles AS
    (
        SELECT
            project, run_id, workflow, outcome, service_version, span_ids, tokens, kinds, actions_before, tool_names,
            period,
            -- The matched calls repeat the call `period` places before; the first cycle precedes them.
            arrayMap(x -> tools[x.1], piece) AS calls,
            arrayMap(x -> tools[x.1 - period], arraySlice(piece, 1, period)) AS first_cycle
        FROM
        (
            SELECT
                *,
                period,
                if(period = 2,
                   arrayMap((s, a, b) -> toUInt8(s = b AND s != a), sigs, back1, back2),
                   arrayMap((s, a, b, c) -> toUInt8(s = c AND s != a AND s != b AND a != b), sigs, back1, back2, back3)
                ) AS matched
            FROM runs
            ARRAY JOIN [2, 3] AS period
            WHERE length(sigs) >= period * {alternation_min_cycles:UInt32}
        )
        ARRAY JOIN arrayFilter(
            p -> p[1].2 = 1 AND length(p) + period >= period * {alternation_min_cycles:UInt32},
            arraySplit(
                (x, change) -> change,
                arrayZip(arrayEnumerate(matched), matched),
                arrayMap((m, before) -> m != before, matched, arrayPushFront(arrayPopBack(matched), 2))
            )
        ) AS piece
    ),
    monologues AS
    (
        SELECT
            project, run_id, workflow, outcome, service_version, span_ids, tokens,
            arrayMap(x -> llms[x.1], block) AS calls
        FROM runs
        ARRAY JOIN arrayFilter(
            b -> length(b) >= {monologue_min_repeats:UInt32} AND b[1].2 != 0,
            arraySplit(
                (x, fresh) -> fresh,
                arrayZip(arrayEnumerate(outs), outs),
                arrayMap((o, p) -> o != p OR o = 0, outs, arrayPushFront(arrayPopBack(outs), 0))
            )
        ) AS block
        WHERE length(outs) >= {monologue_min_repeats:UInt32}
    )
-- chooser_positions: the LLM calls that chose the repeated calls (same actions_before).
SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'loop',
    if(all_failed, 'error_retry', 'repeat') AS pattern,
    'certain',
    arrayConcat(arrayMap(i -> span_ids[i], calls), arrayMap(i -> span_ids[i], chooser_positions)),
    arrayMap(i -> span_ids[i], chooser_positions) AS wasted_ids,
    arrayMap(i -> tokens[i], chooser_positions) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    if(all_failed,
        format('`{}` failed {} times in a row with the same arguments; the {} retries and the LLM calls that chose them used {} tokens',
            tool_names[calls[1]], toString(length(calls)), toString(length(calls) - 1), leantraceThousands(wasted)),
        format('`{}` called {} times in a row with the same arguments; the {} repeats and the LLM calls that chose them used {} tokens',
            tool_names[calls[1]], toString(length(calls)), toString(length(calls) - 1), leantraceThousands(wasted)))
FROM
(
    SELECT
        *,
        arrayFlatten(arrayMap(
            c -> arrayFilter((j, k, a) -> k = 'llm' AND a = actions_before[c], arrayEnumerate(kinds), kinds, actions_before),
            arraySlice(calls, 2))) AS chooser_positions
    FROM repeats
)

UNION ALL

SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'loop', 'alternation', 'certain',
    arrayConcat(arrayMap(i -> span_ids[i], first_cycle), arrayMap(i -> span_ids[i], calls), arrayMap(i -> span_ids[i], chooser_positions)),
    arrayMap(i -> span_ids[i], chooser_positions) AS wasted_ids,
    arrayMap(i -> tokens[i], chooser_positions) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('the cycle {} ran {} times without progress; the {} repeated calls and the LLM calls that chose them used {} tokens',
        arrayStringConcat(arrayMap(i -> concat('`', tool_names[i], '`'), first_cycle), ' → '),
        toString(intDiv(length(calls) + period, period)), toString(length(calls)), leantraceThousands(wasted))
FROM
(
    SELECT
        *,
        arrayFlatten(arrayMap(
            c -> arrayFilter((j, k, a) -> k = 'llm' AND a = actions_before[c], arrayEnumerate(kinds), kinds, actions_before),
            calls)) AS chooser_positions
    FROM cycles
)

UNION ALL

SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'loop', 'monologue', 'certain',
    arrayMap(i -> span_ids[i], calls),
    arrayMap(i -> span_ids[i], arraySlice(calls, 2)) AS wasted_ids,
    arrayMap(i -> tokens[i], arraySlice(calls, 2)) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('the LLM gave the same answer {} times in a row; the {} repeats used {} tokens',
        toString(length(calls)), toString(length(calls) - 1), leantraceThousands(wasted))
FROM monologues
