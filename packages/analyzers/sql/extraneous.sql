-- extraneous: steps that did not serve the outcome.
--
--   after_outcome  steps that started after the run's outcome was decided (the
--                  `leantrace.outcome` event) or after its final answer ended;
--   unused_result  the result of a read (a retrieval, or a tool that only reads: see
--                  prepare-runs.sql) that no later LLM input contained, in a run that records
--                  input fingerprints and has an LLM call with them after the step. A step that
--                  changes state did its work whether or not its output was read: never flagged.
-- Wasted: the steps after the outcome, all their tokens; for an unused result, its own tokens
-- and the LLM call that chose it.
-- Each row is a candidate finding: the pass (src/pass.ts) inserts them into finding_candidates.
WITH
    runs AS
    (
        SELECT
            *,
            arrayEnumerate(kinds) AS positions,
            toUnixTimestamp64Nano(decided_at) > 0 AS decided
        FROM {db:Identifier}.analysis_runs
        WHERE pass_id = {pass:UInt64}
    ),
    late AS
    (
        SELECT *, arrayFilter((i, s) -> s > decided_at, positions, starts) AS late_steps
        FROM runs
        WHERE decided AND arrayExists(s -> s > decided_at, starts)
    ),
    unused AS
    (
        SELECT
            *,
            step,
            arrayFilter(j -> j > 0, [leantraceChooser(kinds, actions_before, step, {action_kinds:Array(String)})]) AS choosers
        FROM
        (
            SELECT
                *,
                -- Whether each step's result is among the fingerprints any LLM call read: counting
                -- occurrences over (reads ++ results) and over results alone, side by side. A
                -- result cannot be read before it exists, so "any" stands for "a later" one.
                arrayDistinct(arrayFlatten(input_part_fps)) AS read_fps,
                arrayMap(
                    (with_reads, alone) -> with_reads - alone,
                    arraySlice(arrayEnumerateUniq(arrayConcat(read_fps, message_fps)), length(read_fps) + 1),
                    arrayEnumerateUniq(message_fps)
                ) AS was_read,
                arrayLastIndex((k, p) -> k = 'llm' AND notEmpty(p), kinds, input_part_fps) AS last_reader
            FROM runs
            WHERE arrayExists(p -> notEmpty(p), input_part_fps)
        )
        ARRAY JOIN arrayFilter(
            (i, k, e, err, r, s, read) -> k IN ('tool', 'retrieval') AND e = 'read' AND err = 0 AND r != 0
                AND i < last_reader AND NOT (decided AND s > decided_at) AND read = 0,
            positions, kinds, effects, errors, message_fps, starts, was_read) AS step
    )
SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'extraneous', 'after_outcome', 'certain',
    arrayMap(i -> span_ids[i], late_steps),
    arrayMap(i -> span_ids[i], late_steps) AS wasted_ids,
    arrayMap(i -> tokens[i], late_steps) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('{} steps ran after the outcome was decided and used {} tokens', toString(length(late_steps)), leantraceThousands(wasted))
FROM late

UNION ALL

SELECT
    {pass:UInt64}, project, run_id, workflow, outcome, service_version, 'extraneous', 'unused_result', 'certain',
    arrayMap(i -> span_ids[i], arrayConcat([step], choosers)),
    arrayMap(i -> span_ids[i], arrayConcat([step], choosers)) AS wasted_ids,
    arrayMap(i -> tokens[i], arrayConcat([step], choosers)) AS wasted_toks,
    arraySum(wasted_toks) AS wasted,
    format('the result of {} was never read by a later LLM call; the step and the LLM call that chose it used {} tokens',
        if(kinds[step] = 'tool', concat('`', tool_names[step], '`'),
           if(data_sources[step] = '', 'a retrieval', concat('a retrieval from `', data_sources[step], '`'))),
        leantraceThousands(wasted))
FROM unused
