-- loop: the run repeats itself without progress.
--
-- Over the run's actions (tool and lookup steps; LLM calls and tools without side effects,
-- such as `think`, do not break a row), with "repeats" as prepare-runs.sql defines them (the
-- same call, nothing state-changing in between, the same result):
--   repeat       a call repeated right after itself, {loop_min_repeats}+ calls in a row;
--   error_retry  the same, every call failing with the same error;
--   alternation  a cycle of 2 or 3 distinct calls that ran {alternation_min_cycles}+ times in
--                a row, every call returning what it returned a cycle before;
-- over the run's LLM calls:
--   monologue    the same output fingerprint {monologue_min_repeats}+ times in a row;
--   refused      LLM turns the agent could not use (span status error, `error.type`, or the
--                SDK's `step.reject`): no action came of them, and the next turn had to redo it.
-- Repeats of a call further back in the run are reported by repeated-retrieval.sql.
-- Wasted: every repetition after the first, with the LLM call that chose it; the repeated
-- LLM calls of a monologue; the refused turns. What later calls paid to carry them in their
-- context is added by finalize.sql.
-- Confidence: `certain` when every repeat's result was recorded and equal; when results were
-- not recorded at all, the calls may have returned something new: a `suggestion`.
--
-- Works on whole runs with array functions. Lambdas take arrays side by side (the previous
-- call is the same array shifted by one) rather than indexing into a captured array, which
-- ClickHouse would copy for every element.
-- Each row is a candidate finding: the pass (src/pass.ts) inserts them into finding_candidates.
WITH
    runs AS
    (
        SELECT
            project, run_id, workflow, outcome, service_version, span_ids, tokens, kinds, actions_before, tool_names,
            errors, error_texts,
            arrayEnumerate(kinds) AS positions,
            arrayMap((k, e) -> has({action_kinds:Array(String)}, k) AND e != 'none', kinds, effects) AS is_act,
            arrayFilter((i, a) -> a, positions, is_act) AS acts,
            arrayFilter((s, a) -> a, call_signatures, is_act) AS sigs,
            arrayFilter((r, a) -> a, repeat_of, is_act) AS reps,
            arrayFilter((r, a) -> a, repeat_known, is_act) AS knowns,
            arrayFilter((r, a) -> a, message_fps, is_act) AS results,
            arrayFilter((r, a) -> a, errors, is_act) AS act_errors,
            arrayMap((r, p) -> toUInt8(r != 0 AND r = p), reps, arraySlice(arrayPushFront(acts, 0), 1, length(acts))) AS adjacent,
            arraySlice(arrayPushFront(sigs, 0), 1, length(sigs)) AS back1,
            arrayConcat([0, 0], arraySlice(sigs, 1, length(sigs) - 2)) AS back2,
            arrayConcat([0, 0, 0], arraySlice(sigs, 1, length(sigs) - 3)) AS back3,
            arrayConcat([0, 0], arraySlice(results, 1, length(results) - 2)) AS results_back2,
            arrayConcat([0, 0, 0], arraySlice(results, 1, length(results) - 3)) AS results_back3,
            arrayFilter((i, k) -> k = 'llm', positions, kinds) AS llms,
            arrayFilter((o, k) -> k = 'llm', message_fps, kinds) AS outs,
            arrayFilter((e, k) -> k = 'llm', errors, kinds) AS llm_errors,
            arrayFilter((a, k) -> k = 'llm', actions_before, kinds) AS llm_actions
        FROM {db:Identifier}.analysis_runs
        WHERE pass_id = {pass:UInt64}
    ),
    rows AS
    (
        SELECT
            project, run_id, workflow, outcome, service_version, span_ids, tokens, kinds, actions_before, tool_names,
            arrayMap(x -> x.1, block) AS calls,
            arrayAll(x -> x.3 = 1, block) AS all_failed,
            arrayAll(x -> x.2 = 1, arraySlice(block, 2)) AS known
        -- Only runs with a repeat are taken apart.
        FROM (SELECT * FROM runs WHERE arrayExists(r -> r != 0, reps))
        -- Tuples (position, result known, failed); a row breaks where a call is not the
        -- repeat of the one just before it.
        ARRAY JOIN arrayFilter(
            b -> length(b) >= {loop_min_repeats:UInt32},
            arraySplit((x, fresh) -> fresh, arrayZip(acts, knowns, act_errors), arrayMap(a -> a = 0, adjacent))
        ) AS block
    ),
    cycles AS
    (
        SELECT
            project, run_id, workflow, outcome, service_version, span_ids, tokens, kinds, actions_before, tool_names,
            period,
            -- The matched calls repeat the call `period` places before; the first cycle precedes them.
            arrayMap(x -> acts[x.1], piece) AS calls,
            arrayMap(x -> acts[x.1 - period], arraySlice(piece, 1, period)) AS first_cycle,
            arrayAll(x -> x.3 != 0, piece) AS known
        FROM
        (
            SELECT
                *,
                period,
                if(period = 2,
                   arrayMap((s, a, b, r, rb) -> toUInt8(s != 0 AND s = b AND s != a AND r = rb), sigs, back1, back2, results, results_back2),
                   arrayMap((s, a, b, c, r, rc) -> toUInt8(s != 0 AND s = c AND s != a AND s != b AND a != b AND r = rc),
                       sigs, back1, back2, back3, results, results_back3)
                ) AS matched
            -- A cycle needs calls that occur more than once.
            FROM (SELECT * FROM runs WHERE arrayUniq(sigs) - has(sigs, 0) < arrayCount(s -> s != 0, sigs))
            ARRAY JOIN [2, 3] AS period
            WHERE length(sigs) >= period * {alternation_min_cycles:UInt32}
        )
        ARRAY JOIN arrayFilter(
            p -> p[1].2 = 1 AND length(p) + period >= period * {alternation_min_cycles:UInt32},
            arraySplit(
                (x, change) -> change,
                arrayZip(arrayEnumerate(matched), matched, results),
                arrayMap((m, before) -> m != before, matched, arraySlice(arrayPushFront(matched, 2), 1, length(matched)))
            )
        ) AS piece
    ),
    monologues AS
    (
        SELECT
            project, run_id, workflow, outcome, service_version, span_ids, tokens,
            arrayMap(x -> llms[x.1], block) AS calls
        FROM (SELECT * FROM runs WHERE length(outs) >= {monologue_min_repeats:UInt32})
        ARRAY JOIN arrayFilter(
            b -> length(b) >= {monologue_min_repeats:UInt32} AND b[1].2 != 0,
            arraySplit(
                (x, fresh) -> fresh,
                arrayZip(arrayEnumerate(outs), outs),
                arrayMap((o, p) -> o != p OR o = 0, outs, arraySlice(arrayPushFront(outs, 0), 1, length(outs)))
            )
        ) AS block
    ),
    refusals AS
    (
        SELECT
            project, run_id, workflow, outcome, service_version, span_ids, tokens, error_texts,
            arrayMap(x -> x.1, block) AS calls
        FROM (SELECT * FROM runs WHERE has(llm_errors, 1))
        -- Refused turns in a row (no action between them) make one finding.
        ARRAY JOIN arrayFilter(
            b -> b[1].2 = 1,
            arraySplit(
                (x, fresh) -> fresh,
                arrayZip(llms, llm_errors),
                arrayMap(
                    (e, pe, a, pa) -> e != pe OR a != pa,
                    llm_errors, arraySlice(arrayPushFront(llm_errors, 0), 1, length(llm_errors)),
                    llm_actions, arraySlice(arrayPushFront(llm_actions, 0), 1, length(llm_actions)))
            )
        ) AS block
    )
-- chooser_positions: the LLM calls that chose the repeated calls (leantraceChooser: the LLM call
-- right before a call, when it chose that call alone).
SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'loop',
    if(all_failed, 'error_retry', 'repeat') AS pattern,
    if(known, 'certain', 'suggestion'),
    arrayConcat(arrayMap(i -> span_ids[i], calls), arrayMap(i -> span_ids[i], chooser_positions)),
    arrayMap(i -> span_ids[i], arrayConcat(arraySlice(calls, 2), chooser_positions)) AS wasted_ids,
    arrayMap(i -> tokens[i], arrayConcat(arraySlice(calls, 2), chooser_positions)) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    concat(
        if(all_failed,
            format('`{}` failed {} times in a row with the same arguments and the same error', tool_names[calls[1]], toString(length(calls))),
            format('`{}` ran {} times in a row with the same arguments and returned the same result{}', tool_names[calls[1]],
                toString(length(calls)), if(length(calls) = 2, '', ' each time'))),
        if(known, '', ' (as far as can be told: results were not recorded)'),
        if(length(calls) = 2, '; the repeat and the LLM call that chose it used ',
            format('; the {} repeats and the LLM calls that chose them used ', toString(length(calls) - 1))),
        leantraceThousands(wasted), ' tokens')
FROM
(
    SELECT
        *,
        arrayFilter(j -> j > 0, arrayMap(c -> leantraceChooser(kinds, actions_before, c, {action_kinds:Array(String)}), arraySlice(calls, 2))) AS chooser_positions
    FROM rows
)

UNION ALL

SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'loop', 'alternation',
    if(known, 'certain', 'suggestion'),
    arrayConcat(arrayMap(i -> span_ids[i], first_cycle), arrayMap(i -> span_ids[i], calls), arrayMap(i -> span_ids[i], chooser_positions)),
    arrayMap(i -> span_ids[i], arrayConcat(calls, chooser_positions)) AS wasted_ids,
    arrayMap(i -> tokens[i], arrayConcat(calls, chooser_positions)) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('the cycle {} ran {} times, each call returning what it did the cycle before; the {} repeated calls and the LLM calls that chose them used {} tokens',
        arrayStringConcat(arrayMap(i -> concat('`', tool_names[i], '`'), first_cycle), ' → '),
        toString(intDiv(length(calls) + period, period)), toString(length(calls)), leantraceThousands(wasted))
FROM
(
    SELECT
        *,
        arrayFilter(j -> j > 0, arrayMap(c -> leantraceChooser(kinds, actions_before, c, {action_kinds:Array(String)}), calls)) AS chooser_positions
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

UNION ALL

SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'loop', 'refused', 'certain',
    arrayMap(i -> span_ids[i], calls),
    arrayMap(i -> span_ids[i], calls) AS wasted_ids,
    arrayMap(i -> tokens[i], calls) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('{} the agent could not use{}; {} {} tokens and led to no action',
        if(length(calls) = 1, 'an LLM turn', format('{} LLM turns in a row', toString(length(calls)))),
        if(error_texts[calls[1]] = '', '', format(' ({})', error_texts[calls[1]])),
        if(length(calls) = 1, 'it used', 'they used'),
        leantraceThousands(wasted))
FROM refusals
WHERE wasted > 0
