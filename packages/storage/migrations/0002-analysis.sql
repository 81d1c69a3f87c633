-- What the analyzers need: more facts per span, a view resolving each run, and the tables an
-- analysis pass writes. Statements are separated by a line holding only ";".

-- Cost in US dollars, from the price table in force when the span arrived; NULL when the
-- model has no known price.
ALTER TABLE {db:Identifier}.spans ADD COLUMN IF NOT EXISTS cost Nullable(Float64) AFTER total_tokens
;
-- When the run's outcome was decided (the `leantrace.outcome` span event); 0 when unknown.
ALTER TABLE {db:Identifier}.spans ADD COLUMN IF NOT EXISTS outcome_decided_at DateTime64(9, 'UTC') DEFAULT 0 AFTER outcome_value
;
-- 1 on the LLM call that produced the run's final answer (`leantrace.final_answer`).
ALTER TABLE {db:Identifier}.spans ADD COLUMN IF NOT EXISTS final_answer UInt8 AFTER outcome_decided_at
;
-- Length of a tool's or retrieval's result in characters (`leantrace.result.chars`).
ALTER TABLE {db:Identifier}.spans ADD COLUMN IF NOT EXISTS result_chars UInt64 AFTER result_fp
;
-- Lets an incremental pass find recent spans, and the spans of given runs, without reading all.
ALTER TABLE {db:Identifier}.spans ADD INDEX IF NOT EXISTS idx_ingested_at ingested_at TYPE minmax GRANULARITY 1
;
ALTER TABLE {db:Identifier}.spans ADD INDEX IF NOT EXISTS idx_run_id run_id TYPE bloom_filter(0.01) GRANULARITY 1
;
-- One row per run of a project, resolved from its spans and any late outcome:
--   workflow: the first `gen_ai.workflow.name` on its spans, else its root span's name;
--   outcome: the latest posted to /v1/outcomes, else the last recorded on its spans, else unknown;
--   service_version, case_id, ci_run_id: the first non-empty value on its spans;
--   total_tokens and cost: summed over its LLM and embedding steps;
--   decided_at: when its outcome was decided, or its final answer ended (0 when unknown).
CREATE VIEW IF NOT EXISTS {db:Identifier}.runs AS
SELECT
    s.project AS project,
    s.run_id AS run_id,
    multiIf(s.named_workflow != '', s.named_workflow, s.root_name != '', s.root_name, '(unnamed)') AS workflow,
    multiIf(o.late_outcome != '', o.late_outcome, s.span_outcome != '', s.span_outcome, 'unknown') AS outcome,
    s.run_version AS service_version,
    s.run_case AS case_id,
    s.run_ci AS ci_run_id,
    s.run_tokens AS total_tokens,
    s.run_cost AS cost,
    s.run_priced_tokens AS priced_tokens,
    s.started_at AS started_at,
    s.ended_at AS ended_at,
    s.decided_at AS decided_at,
    s.last_ingested_at AS last_ingested_at,
    o.outcome_received_at AS outcome_received_at,
    s.span_count AS spans
FROM
(
    SELECT
        project,
        run_id,
        argMinIf(workflow, start_time, workflow != '') AS named_workflow,
        argMinIf(span_name, start_time, parent_span_id = '') AS root_name,
        argMaxIf(outcome, end_time, outcome != '') AS span_outcome,
        argMinIf(service_version, start_time, service_version != '') AS run_version,
        argMinIf(case_id, start_time, case_id != '') AS run_case,
        argMinIf(ci_run_id, start_time, ci_run_id != '') AS run_ci,
        sum(total_tokens) AS run_tokens,
        sum(cost) AS run_cost,
        sumIf(total_tokens, isNotNull(cost)) AS run_priced_tokens,
        min(start_time) AS started_at,
        max(end_time) AS ended_at,
        maxIf(outcome_decided_at, toUnixTimestamp64Nano(outcome_decided_at) > 0) AS outcome_at,
        maxIf(end_time, final_answer = 1) AS answer_at,
        if(
            toUnixTimestamp64Nano(outcome_at) > 0 AND toUnixTimestamp64Nano(answer_at) > 0,
            least(outcome_at, answer_at),
            greatest(outcome_at, answer_at)
        ) AS decided_at,
        max(ingested_at) AS last_ingested_at,
        count() AS span_count
    FROM {db:Identifier}.spans FINAL
    GROUP BY project, run_id
) AS s
LEFT JOIN
(
    SELECT project, run_id, argMax(outcome, received_at) AS late_outcome, max(received_at) AS outcome_received_at
    FROM {db:Identifier}.outcomes
    GROUP BY project, run_id
) AS o USING (project, run_id)
SETTINGS join_use_nulls = 0
;
-- The working tables of an analysis pass: the small ones are partitioned by pass, so a finished
-- pass drops its partitions at once (the TTL clears what a crashed pass left).
-- The runs one analysis pass works on.
CREATE TABLE IF NOT EXISTS {db:Identifier}.analysis_batch
(
    pass_id UInt64,
    project LowCardinality(String),
    run_id String,
    created_at DateTime DEFAULT now()
)
ENGINE = MergeTree
PARTITION BY pass_id
ORDER BY (pass_id, project, run_id)
TTL created_at + INTERVAL 1 DAY
;
-- One row per run of a pass: the run's facts, and its steps in order as parallel arrays, so
-- that every analyzer works on whole runs with array functions (no window, no self-join).
-- Steps are the spans that do work (LLM, embedding, retrieval, rerank, tool, reasoning).
-- actions_before[i] counts the tool, retrieval and embedding steps before step i: the LLM
-- calls with actions_before = k chose action number k (from 0).
CREATE TABLE IF NOT EXISTS {db:Identifier}.analysis_runs
(
    pass_id UInt64,
    project LowCardinality(String),
    run_id String,
    workflow LowCardinality(String),
    outcome LowCardinality(String),
    service_version LowCardinality(String),
    decided_at DateTime64(9, 'UTC'),
    last_ingested_at DateTime64(3, 'UTC'),
    outcome_received_at DateTime64(3, 'UTC'),
    span_ids Array(String),
    kinds Array(LowCardinality(String)),
    starts Array(DateTime64(9, 'UTC')),
    tool_names Array(LowCardinality(String)),
    -- Fingerprints as 64-bit hashes (0: none): a pass compares millions of them.
    call_signatures Array(UInt64),
    errors Array(UInt8),
    tokens Array(UInt64),
    input_tokens Array(UInt64),
    costs Array(Nullable(Float64)),
    output_fps Array(UInt64),
    query_fps Array(UInt64),
    data_sources Array(LowCardinality(String)),
    document_ids Array(Array(String)),
    result_fps Array(UInt64),
    result_tokens Array(UInt64),
    input_part_fps Array(Array(UInt64)),
    actions_before Array(UInt32),
    -- kind with tool name or data source, for tool, retrieval, embedding and rerank steps; '' else
    step_signatures Array(String),
    created_at DateTime DEFAULT now()
)
-- Held in memory: written once and read by every analyzer within one pass, then deleted; a
-- restart loses nothing that matters. On a ClickHouse cluster a pass must stay on one node.
ENGINE = Memory
;
-- One row per analyzed run: the pass that analyzed it last, and what it saw. Findings of a run
-- are those of this pass; older passes' findings are superseded.
CREATE TABLE IF NOT EXISTS {db:Identifier}.run_analysis
(
    project LowCardinality(String),
    run_id String,
    pass_id UInt64,
    workflow LowCardinality(String),
    outcome LowCardinality(String),
    service_version LowCardinality(String),
    last_ingested_at DateTime64(3, 'UTC'),
    outcome_received_at DateTime64(3, 'UTC'),
    signatures Array(String),
    analyzed_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(pass_id)
ORDER BY (project, run_id)
;
-- What the analyzers found. `wasted_span_ids` / `wasted_span_tokens` say which tokens of which
-- span were wasted, so that a span shared by two findings counts once in a run's waste.
CREATE TABLE IF NOT EXISTS {db:Identifier}.findings
(
    project LowCardinality(String),
    run_id String,
    pass_id UInt64,
    workflow LowCardinality(String),
    outcome LowCardinality(String),
    service_version LowCardinality(String),
    kind LowCardinality(String),
    pattern LowCardinality(String),
    confidence LowCardinality(String),
    span_ids Array(String),
    wasted_span_ids Array(String),
    wasted_span_tokens Array(UInt64),
    wasted_tokens UInt64,
    wasted_cost Nullable(Float64),
    explanation String,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (project, run_id, pass_id, kind)
;
-- Analyzers write their findings here first; the pass's last step adds the cost of each and
-- moves them to `findings`. Partitioned by pass so that a finished pass drops its rows at once.
CREATE TABLE IF NOT EXISTS {db:Identifier}.finding_candidates
(
    pass_id UInt64,
    project LowCardinality(String),
    run_id String,
    workflow LowCardinality(String),
    outcome LowCardinality(String),
    service_version LowCardinality(String),
    kind LowCardinality(String),
    pattern LowCardinality(String),
    confidence LowCardinality(String),
    span_ids Array(String),
    wasted_span_ids Array(String),
    wasted_span_tokens Array(UInt64),
    wasted_tokens UInt64,
    explanation String,
    created_at DateTime DEFAULT now()
)
ENGINE = MergeTree
PARTITION BY pass_id
ORDER BY (pass_id, run_id)
TTL created_at + INTERVAL 1 DAY
;
-- The findings of each run's latest analysis: what reports and the CLI show.
CREATE VIEW IF NOT EXISTS {db:Identifier}.current_findings AS
SELECT f.*
FROM {db:Identifier}.findings AS f
WHERE (f.project, f.run_id, f.pass_id) IN (SELECT project, run_id, pass_id FROM {db:Identifier}.run_analysis FINAL)
;
-- One row per analysis pass: how far it read, what it did, how long it took.
CREATE TABLE IF NOT EXISTS {db:Identifier}.analysis_passes
(
    pass_id UInt64,
    -- The project a pass was confined to; '' for the collector's own passes over all projects.
    project LowCardinality(String),
    read_until DateTime64(3, 'UTC'),
    runs UInt32,
    findings UInt32,
    duration_ms UInt32,
    finished_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY pass_id
;
-- 41230 -> '41,230', for explanations people read.
CREATE FUNCTION IF NOT EXISTS leantraceThousands AS (n) ->
    reverse(arrayStringConcat(arrayMap(i -> substring(reverse(toString(n)), i, 3), range(1, length(toString(n)) + 1, 3)), ','))
