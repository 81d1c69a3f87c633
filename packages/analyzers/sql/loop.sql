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
    choosers AS
    (
        SELECT run_id, actions_before AS action, groupArray(span_id) AS ids, groupArray(tokens) AS toks
        FROM steps
        WHERE kind = 'llm'
        GROUP BY run_id, actions_before
    ),
    tools AS
    (
        SELECT
            t.run_id AS run_id, t.seq AS seq, t.span_id AS span_id, t.tool_name AS tool_name,
            t.call_signature AS sig, t.is_error AS is_error, t.workflow AS workflow, t.outcome AS outcome,
            t.service_version AS service_version, c.ids AS chooser_ids, c.toks AS chooser_tokens
        FROM steps AS t
        LEFT JOIN choosers AS c ON c.run_id = t.run_id AND c.action = t.actions_before
        WHERE t.kind = 'tool'
    ),
    lagged AS
    (
        SELECT
            *,
            lagInFrame(sig, 1, '') OVER w AS prev1,
            lagInFrame(sig, 2, '') OVER w AS prev2,
            lagInFrame(sig, 3, '') OVER w AS prev3,
            lagInFrame(span_id, 2, '') OVER w AS span_back2,
            lagInFrame(span_id, 3, '') OVER w AS span_back3
        FROM tools
        WINDOW w AS (PARTITION BY run_id ORDER BY seq ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
    ),
    matched AS
    (
        SELECT
            *,
            sig = prev2 AND sig != prev1 AS in_cycle2,
            sig = prev3 AND sig != prev1 AND sig != prev2 AND prev1 != prev2 AS in_cycle3
        FROM lagged
    ),
    blocks AS
    (
        SELECT
            *,
            sum(toUInt32(sig != prev1)) OVER c AS repeat_block,
            sum(toUInt32(NOT in_cycle2)) OVER c AS cycle2_block,
            sum(toUInt32(NOT in_cycle3)) OVER c AS cycle3_block
        FROM matched
        WINDOW c AS (PARTITION BY run_id ORDER BY seq ROWS UNBOUNDED PRECEDING)
    ),
    repeats AS
    (
        SELECT
            run_id, any(workflow) AS workflow, any(outcome) AS outcome, any(service_version) AS service_version,
            any(tool_name) AS tool, count() AS calls, countIf(is_error) AS failures,
            arraySort(x -> x.1, groupArray((seq, span_id, chooser_ids, chooser_tokens))) AS rows
        FROM blocks
        GROUP BY run_id, repeat_block
        HAVING calls >= {loop_min_repeats:UInt32}
    ),
    cycles AS
    (
        -- One pass per cycle length: a matched call equals the call `period` places before it.
        SELECT
            run_id, period, any(workflow) AS workflow, any(outcome) AS outcome, any(service_version) AS service_version,
            count() AS repeated_calls,
            arraySort(x -> x.1, groupArray((seq, span_id, if(period = 2, span_back2, span_back3), tool_name, chooser_ids, chooser_tokens))) AS rows
        FROM blocks
        ARRAY JOIN [2, 3] AS period
        WHERE if(period = 2, in_cycle2, in_cycle3)
        GROUP BY run_id, period, if(period = 2, cycle2_block, cycle3_block)
        HAVING repeated_calls + period >= period * {alternation_min_cycles:UInt32}
    ),
    llm_lagged AS
    (
        SELECT
            run_id, seq, span_id, tokens, output_fp, workflow, outcome, service_version,
            lagInFrame(output_fp, 1, '') OVER (PARTITION BY run_id ORDER BY seq ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS prev
        FROM steps
        WHERE kind = 'llm'
    ),
    llm_blocks AS
    (
        SELECT
            *,
            sum(toUInt32(output_fp != prev OR output_fp = '')) OVER (PARTITION BY run_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS block
        FROM llm_lagged
    ),
    monologues AS
    (
        SELECT
            run_id, any(workflow) AS workflow, any(outcome) AS outcome, any(service_version) AS service_version,
            count() AS calls, arraySort(x -> x.1, groupArray((seq, span_id, tokens))) AS rows
        FROM llm_blocks
        WHERE output_fp != ''
        GROUP BY run_id, block
        HAVING calls >= {monologue_min_repeats:UInt32}
    )
SELECT
    {pass:UInt64}, run_id, workflow, outcome, service_version, 'loop',
    if(failures = calls, 'error_retry', 'repeat') AS pattern,
    'certain',
    arrayConcat(arrayMap(x -> x.2, rows), arrayFlatten(arrayMap(x -> x.3, arraySlice(rows, 2)))),
    arrayFlatten(arrayMap(x -> x.3, arraySlice(rows, 2))) AS wasted_ids,
    arrayFlatten(arrayMap(x -> x.4, arraySlice(rows, 2))) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    if(
        pattern = 'error_retry',
        format('`{}` failed {} times in a row with the same arguments; the {} retries and the LLM calls that chose them used {} tokens',
            tool, toString(calls), toString(calls - 1), leantraceThousands(wasted)),
        format('`{}` called {} times in a row with the same arguments; the {} repeats and the LLM calls that chose them used {} tokens',
            tool, toString(calls), toString(calls - 1), leantraceThousands(wasted))
    )
FROM repeats

UNION ALL

SELECT
    {pass:UInt64}, run_id, workflow, outcome, service_version, 'loop', 'alternation', 'certain',
    arrayConcat(
        arrayMap(x -> x.3, arraySlice(rows, 1, period)),
        arrayMap(x -> x.2, rows),
        arrayFlatten(arrayMap(x -> x.5, rows))
    ),
    arrayFlatten(arrayMap(x -> x.5, rows)) AS wasted_ids,
    arrayFlatten(arrayMap(x -> x.6, rows)) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('the cycle {} ran {} times without progress; the {} repeated calls and the LLM calls that chose them used {} tokens',
        arrayStringConcat(arrayMap(x -> concat('`', x.4, '`'), arraySlice(rows, 1, period)), ' → '),
        toString(intDiv(repeated_calls + period, period)), toString(repeated_calls), leantraceThousands(wasted))
FROM cycles

UNION ALL

SELECT
    {pass:UInt64}, run_id, workflow, outcome, service_version, 'loop', 'monologue', 'certain',
    arrayMap(x -> x.2, rows),
    arrayMap(x -> x.2, arraySlice(rows, 2)) AS wasted_ids,
    arrayMap(x -> x.3, arraySlice(rows, 2)) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('the LLM gave the same answer {} times in a row; the {} repeats used {} tokens',
        toString(calls), toString(calls - 1), leantraceThousands(wasted))
FROM monologues
