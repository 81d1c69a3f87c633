-- What state-aware analyzers need: whether a step can change state, why a step failed, and
-- per-run figures of waste and of the context that carried it. Statements are separated by a
-- line holding only ";".

-- Whether a tool step can change state: 'read', 'write' or 'none' (no side effect at all, such
-- as a `think` tool); '' when unknown (the analyzers then go by the tool's name). Recorded by
-- the SDK (`leantrace.tool.effect`), or read by the collector from a shell tool's command.
ALTER TABLE {db:Identifier}.spans ADD COLUMN IF NOT EXISTS effect LowCardinality(String) AFTER tool_args_fp
;
-- `error.type`, or 'rejected' when the agent could not use the step's output
-- (`leantrace.step.rejected`, the SDK's `step.reject(reason)`).
ALTER TABLE {db:Identifier}.spans ADD COLUMN IF NOT EXISTS error_type LowCardinality(String) AFTER status_message
;
-- The per-pass layout gains what the new rules read; a Memory table holds nothing between
-- passes, so it is replaced rather than altered.
DROP TABLE IF EXISTS {db:Identifier}.analysis_runs
;
-- One row per run of a pass: the run's facts, and its steps in order as parallel arrays, so
-- that every analyzer works on whole runs with array functions (no window, no self-join).
-- Steps are the spans that do work (LLM, embedding, retrieval, rerank, tool, reasoning).
--   actions_before[i]  tool, retrieval and embedding steps before step i: the LLM calls with
--                      actions_before = k chose action number k (from 0);
--   effects[i]         'read', 'write', 'none' or 'unknown' (counted as state-changing) for
--                      tool and retrieval steps (see prepare-runs.sql), 'none' for LLM and
--                      reasoning steps;
--   repeat_of[i]       for a call that repeats an earlier one with nothing state-changing in
--                      between and the same result (or both results unknown), the position of
--                      that earlier call; 0 otherwise. repeat_known[i] is 1 when both results
--                      were recorded (and equal), 0 when neither was.
CREATE TABLE IF NOT EXISTS {db:Identifier}.analysis_runs
(
    pass_id UInt64,
    project LowCardinality(String),
    run_id String,
    workflow LowCardinality(String),
    outcome LowCardinality(String),
    service_version LowCardinality(String),
    case_id String,
    decided_at DateTime64(9, 'UTC'),
    last_ingested_at DateTime64(3, 'UTC'),
    outcome_received_at DateTime64(3, 'UTC'),
    span_ids Array(String),
    kinds Array(LowCardinality(String)),
    starts Array(DateTime64(9, 'UTC')),
    tool_names Array(LowCardinality(String)),
    -- Fingerprints as 64-bit hashes (0: none): a pass compares millions of them.
    call_signatures Array(UInt64),
    effects Array(LowCardinality(String)),
    errors Array(UInt8),
    error_texts Array(LowCardinality(String)),
    tokens Array(UInt64),
    input_tokens Array(UInt64),
    costs Array(Nullable(Float64)),
    query_fps Array(UInt64),
    data_sources Array(LowCardinality(String)),
    document_ids Array(Array(String)),
    -- What a step adds to the conversation: an LLM call its output, a tool or retrieval its
    -- result (for a failure without one, its error message); fingerprint and size in tokens.
    message_fps Array(UInt64),
    message_tokens Array(UInt64),
    input_part_fps Array(Array(UInt64)),
    actions_before Array(UInt32),
    repeat_of Array(UInt32),
    repeat_known Array(UInt8),
    -- What off-path compares across runs: a hash of the step's kind with its tool name or data
    -- source (leantraceStepSignature), 0 for steps that are not tool or lookup steps.
    step_signatures Array(UInt64),
    created_at DateTime DEFAULT now()
)
-- Held in memory: written once and read by every analyzer within one pass, then deleted; a
-- restart loses nothing that matters. On a ClickHouse cluster a pass must stay on one node.
ENGINE = Memory
;
-- Context carried forward: what later LLM calls paid to carry a finding's wasted messages (a
-- wasted LLM turn's output, a repeated call's result) in their prompts. Estimated (1) when the
-- run records no per-message input fingerprints.
ALTER TABLE {db:Identifier}.findings ADD COLUMN IF NOT EXISTS carried_tokens UInt64 AFTER wasted_cost
;
ALTER TABLE {db:Identifier}.findings ADD COLUMN IF NOT EXISTS carried_estimated UInt8 AFTER carried_tokens
;
-- Runs' evaluation cases, so off-path steps are judged against the same case's successful runs;
-- and each run's waste, counted once per span (wasted) and once per carrying call (carried).
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS case_id String AFTER service_version
;
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS wasted_tokens UInt64 AFTER signatures
;
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS carried_tokens UInt64 AFTER wasted_tokens
;
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS carried_estimated UInt8 AFTER carried_tokens
;
-- A view's columns are fixed when it is created: made again to show the new finding columns.
DROP VIEW IF EXISTS {db:Identifier}.current_findings
;
-- The findings of each run's latest analysis: what reports and the CLI show.
CREATE VIEW {db:Identifier}.current_findings AS
SELECT f.*
FROM {db:Identifier}.findings AS f
WHERE (f.project, f.run_id, f.pass_id) IN (SELECT project, run_id, pass_id FROM {db:Identifier}.run_analysis FINAL)
;
-- The LLM call that chose action c (a position in a run's steps) and nothing else: the last LLM
-- call before it, when no other action ran between them and none follows before the next LLM
-- call; 0 otherwise. The turns before it (talking to a user, thinking) did not choose the
-- action, and a call that chose several actions at once was not wasted by one of them.
CREATE FUNCTION IF NOT EXISTS leantraceChooser AS (kinds, actions_before, c) ->
    if(
        arrayLastIndex((k, j) -> k = 'llm' AND j < c, kinds, arrayEnumerate(kinds)) > 0
            AND actions_before[arrayLastIndex((k, j) -> k = 'llm' AND j < c, kinds, arrayEnumerate(kinds))] = actions_before[c]
            AND kinds[arrayFirstIndex((k, j) -> j > c AND k IN ('llm', 'tool', 'retrieval', 'embedding', 'rerank'), kinds, arrayEnumerate(kinds))] IN ('llm', ''),
        arrayLastIndex((k, j) -> k = 'llm' AND j < c, kinds, arrayEnumerate(kinds)),
        0)
;
-- A step's signature, what off-path compares across runs: its kind with its tool name or data
-- source ('' for steps that are not tool, retrieval, embedding or rerank steps).
CREATE FUNCTION IF NOT EXISTS leantraceStepSignature AS (kind, tool, source) ->
    multiIf(kind = 'tool', concat('tool:', tool), kind IN ('retrieval', 'embedding', 'rerank'), concat(kind, ':', source), '')

;
-- A run's step signatures as hashes of leantraceStepSignature (runs analyzed before keep theirs
-- as text in `signatures`: hashed here on read).
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS signature_hashes Array(UInt64)
    DEFAULT arrayMap(s -> cityHash64(s), signatures) AFTER signatures
