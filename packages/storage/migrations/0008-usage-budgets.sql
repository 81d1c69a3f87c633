-- Metering and budgets (issue 13).
--
-- Each span's team: `leantrace.team` on the span, else on its resource, else the project. A
-- materialized column, so the rule is written once, here, and every query groups by `team`.
-- Statements are separated by a line holding only ";".
ALTER TABLE {db:Identifier}.spans
    ADD COLUMN IF NOT EXISTS team LowCardinality(String) MATERIALIZED multiIf(
        span_attributes['leantrace.team'] != '', span_attributes['leantrace.team'],
        resource_attributes['leantrace.team'] != '', resource_attributes['leantrace.team'],
        project)
;
-- Tokens and cost per project, UTC day of the span's start, team, application (service.name),
-- model and run, as metered from the stored spans (read with FINAL: each span once, another
-- instrumentation's copy of a call carrying none). A run is metered again whenever spans of
-- it arrive; each metering of a run writes all its rows with one `metered_at`, and only its
-- latest metering counts (see packages/budgets/sql/usage-of-period.sql). Per run, so that
-- metering reads only the runs that received spans, never a whole day again.
CREATE TABLE IF NOT EXISTS {db:Identifier}.usage_daily
(
    project LowCardinality(String),
    day Date,
    team LowCardinality(String),
    app LowCardinality(String),
    model LowCardinality(String),
    run_id String,
    tokens UInt64,
    cost Float64,
    priced_tokens UInt64,
    spans UInt64,
    metered_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(metered_at)
ORDER BY (project, day, team, app, model, run_id)
;
-- How far metering has read (one row, project ''): spans ingested up to then are metered.
CREATE TABLE IF NOT EXISTS {db:Identifier}.meter_watermark
(
    project LowCardinality(String),
    read_until DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY project
;
-- Budgets per team and period. A deleted budget is a newer row with deleted = 1.
CREATE TABLE IF NOT EXISTS {db:Identifier}.budgets
(
    project LowCardinality(String),
    team String,
    period LowCardinality(String),
    limit_tokens Nullable(UInt64),
    limit_cost Nullable(Float64),
    soft Float64,
    deleted UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (project, team, period)
;
-- The alerts sent: one per budget, period and level (soft, hard), so that a restart does not
-- send one again.
CREATE TABLE IF NOT EXISTS {db:Identifier}.budget_alerts
(
    project LowCardinality(String),
    team String,
    period LowCardinality(String),
    period_start Date,
    level LowCardinality(String),
    sent_at DateTime64(3, 'UTC'),
    delivered UInt8
)
ENGINE = ReplacingMergeTree(sent_at)
ORDER BY (project, team, period, period_start, level)
