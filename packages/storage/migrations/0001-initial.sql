-- leantrace's tables. Statements are separated by a line holding only ";".
-- {db:Identifier} is the database chosen at start (`leantrace` by default).

CREATE DATABASE IF NOT EXISTS {db:Identifier}
;
-- One row per span, whatever dialect described it: typed columns for what the analyzers and
-- reports need, and every original attribute kept in `span_attributes` / `resource_attributes`
-- (the layout of the OpenTelemetry ClickHouse exporter's maps).
-- Every row belongs to a project (the API key's; `default` without keys), and every query is
-- confined to one. A span is identified by (project, trace_id, span_id): a span sent twice is one
-- row once merged, and queries read it once with FINAL.
CREATE TABLE IF NOT EXISTS {db:Identifier}.spans
(
    project LowCardinality(String) DEFAULT 'default',
    trace_id String,
    span_id String,
    parent_span_id String,
    run_id String,
    workflow LowCardinality(String),
    span_name LowCardinality(String),
    kind LowCardinality(String),
    operation LowCardinality(String),
    service_name LowCardinality(String),
    service_version LowCardinality(String),
    ci_run_id String,
    case_id String,
    model LowCardinality(String),
    provider LowCardinality(String),
    input_tokens UInt64,
    output_tokens UInt64,
    cache_read_input_tokens UInt64,
    cache_creation_input_tokens UInt64,
    reasoning_output_tokens UInt64,
    total_tokens UInt64,
    tool_name LowCardinality(String),
    tool_args_fp String,
    result_fp String,
    query_fp String,
    data_source LowCardinality(String),
    document_ids Array(String),
    documents_fp String,
    input_fp String,
    input_part_fps Array(String),
    output_fp String,
    outcome LowCardinality(String),
    outcome_value Nullable(Float64),
    status_code LowCardinality(String),
    status_message String,
    start_time DateTime64(9, 'UTC'),
    end_time DateTime64(9, 'UTC'),
    duration_ns UInt64,
    span_attributes Map(LowCardinality(String), String),
    resource_attributes Map(LowCardinality(String), String),
    scope_name LowCardinality(String),
    scope_version LowCardinality(String),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(start_time)
ORDER BY (project, trace_id, span_id)
;
-- Outcomes that arrive after their run (POST /v1/outcomes). The latest per run wins, over any
-- outcome recorded on the run's spans.
CREATE TABLE IF NOT EXISTS {db:Identifier}.outcomes
(
    project LowCardinality(String) DEFAULT 'default',
    run_id String,
    outcome LowCardinality(String),
    outcome_value Nullable(Float64),
    received_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(received_at)
ORDER BY (project, run_id)
