-- A report asks, per run, what it cost and what its latest analysis found. Each question joined
-- the runs with their analyses and counted their findings (at ten million spans, most of a
-- report's time). Now each run's summary carries them: its waste and carried tokens, its
-- findings per kind, its late outcome, and its steps' tokens and waste per group (model, kind,
-- team, application) for breakdowns, so that a report reads one row per run and joins nothing.
-- The `runs` view answers the same rows as before, with these columns added.
-- Statements are separated by a line holding only ";".
--
-- Each analysis records its findings per kind with the run (record-runs.sql).
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS loop_findings UInt32 AFTER carried_estimated
;
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS repeated_retrieval_findings UInt32 AFTER loop_findings
;
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS extraneous_findings UInt32 AFTER repeated_retrieval_findings
;
-- A step's group, what breakdowns group by: its model, kind, team and application in one key
-- (sumMap sums per key), the fields apart by a unit separator.
CREATE FUNCTION IF NOT EXISTS leantraceStepGroup AS (model, kind, team, app) ->
    concat(model, '\x1f', toString(kind), '\x1f', toString(team), '\x1f', app)
;
-- Field n (1 model, 2 kind, 3 team, 4 application) of such a key.
CREATE FUNCTION IF NOT EXISTS leantraceStepGroupPart AS (key, n) ->
    substringIndex(substringIndex(key, '\x1f', n), '\x1f', -1)
;
-- And the tokens and cost its certain findings waste, per step group (record-runs.sql).
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS wasted_group_keys Array(String) AFTER extraneous_findings
;
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS wasted_group_tokens Array(UInt64) AFTER wasted_group_keys
;
ALTER TABLE {db:Identifier}.run_analysis ADD COLUMN IF NOT EXISTS wasted_group_cost Array(Float64) AFTER wasted_group_tokens
;
-- Analyses recorded before: their counts and waste per group from their findings (reading the
-- spans those findings name, once). The same pass id again, inserted later, replaces the row;
-- analyzed_at is kept, so no run looks newly analyzed.
INSERT INTO {db:Identifier}.run_analysis
(
    project, run_id, pass_id, workflow, outcome, service_version, case_id, last_ingested_at, outcome_received_at,
    signatures, signature_hashes, wasted_tokens, carried_tokens, carried_estimated,
    loop_findings, repeated_retrieval_findings, extraneous_findings,
    wasted_group_keys, wasted_group_tokens, wasted_group_cost, analyzed_at
)
SELECT
    a.project, a.run_id, a.pass_id, a.workflow, a.outcome, a.service_version, a.case_id, a.last_ingested_at,
    a.outcome_received_at, a.signatures, a.signature_hashes, a.wasted_tokens, a.carried_tokens, a.carried_estimated,
    ifNull(f.loops, 0), ifNull(f.repeated_retrievals, 0), ifNull(f.extraneous, 0),
    g.groups.1, g.groups.2, g.groups.3, a.analyzed_at
FROM {db:Identifier}.run_analysis AS a FINAL
LEFT JOIN
(
    SELECT
        project,
        run_id,
        pass_id,
        countIf(kind = 'loop') AS loops,
        countIf(kind = 'repeated_retrieval') AS repeated_retrievals,
        countIf(kind = 'extraneous') AS extraneous
    FROM {db:Identifier}.findings
    GROUP BY project, run_id, pass_id
) AS f ON f.project = a.project AND f.run_id = a.run_id AND f.pass_id = a.pass_id
LEFT JOIN
(
    SELECT
        w.project AS project,
        w.run_id AS run_id,
        sumMap(
            [leantraceStepGroup(s.model, s.kind, s.team, s.service_name)],
            [w.tokens],
            [if(s.total_tokens = 0, 0, ifNull(s.cost, 0) * least(w.tokens, s.total_tokens) / s.total_tokens)]
        ) AS groups
    FROM
    (
        SELECT project, run_id, span_id, max(tokens) AS tokens
        FROM {db:Identifier}.current_findings
        ARRAY JOIN wasted_span_ids AS span_id, wasted_span_tokens AS tokens
        WHERE confidence = 'certain'
        GROUP BY project, run_id, span_id
    ) AS w
    INNER JOIN
    (
        SELECT project, run_id, span_id, model, kind, team, service_name, total_tokens, cost
        FROM {db:Identifier}.spans FINAL
    ) AS s ON s.project = w.project AND s.run_id = w.run_id AND s.span_id = w.span_id
    GROUP BY w.project, w.run_id
) AS g ON g.project = a.project AND g.run_id = a.run_id
SETTINGS join_use_nulls = 0
;
-- The findings of each run's latest analysis, as before, now looked up among the analyses that
-- found something (their counts say so): a set a few times smaller than every run's.
DROP VIEW IF EXISTS {db:Identifier}.current_findings
;
CREATE VIEW {db:Identifier}.current_findings AS
SELECT f.*
FROM {db:Identifier}.findings AS f
WHERE (f.project, f.run_id, f.pass_id) IN (
    SELECT project, run_id, pass_id FROM {db:Identifier}.run_analysis FINAL
    WHERE loop_findings + repeated_retrieval_findings + extraneous_findings > 0)
;
-- The summaries gain the same columns, in the same places (the summariser inserts the rows of
-- `runs_touched`, below, as they are). Rows summarised before hold none of them: the watermark
-- is cleared below, so that every run is summarised again, and read from its spans until then.
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS first_ingested_at DateTime64(3, 'UTC') AFTER decided_at
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS late_outcome String AFTER span_count
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS outcome_received_at DateTime64(3, 'UTC') AFTER late_outcome
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS analyzed UInt8 AFTER outcome_received_at
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS wasted_tokens UInt64 AFTER analyzed
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS carried_tokens UInt64 AFTER wasted_tokens
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS carried_estimated UInt8 AFTER carried_tokens
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS loop_findings UInt32 AFTER carried_estimated
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS repeated_retrieval_findings UInt32 AFTER loop_findings
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS extraneous_findings UInt32 AFTER repeated_retrieval_findings
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS group_keys Array(String) AFTER extraneous_findings
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS group_spans Array(UInt64) AFTER group_keys
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS group_tokens Array(UInt64) AFTER group_spans
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS group_cost Array(Float64) AFTER group_tokens
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS group_priced Array(UInt64) AFTER group_cost
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS wasted_group_keys Array(String) AFTER group_priced
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS wasted_group_tokens Array(UInt64) AFTER wasted_group_keys
;
ALTER TABLE {db:Identifier}.run_summary ADD COLUMN IF NOT EXISTS wasted_group_cost Array(Float64) AFTER wasted_group_tokens
;
TRUNCATE TABLE {db:Identifier}.run_summary_watermark
;
-- The views below are made again (a view's columns are fixed when it is created).
DROP VIEW IF EXISTS {db:Identifier}.runs
;
DROP VIEW IF EXISTS {db:Identifier}.runs_touched
;
-- The runs whose summary is out of date: they received spans, an analysis or a late outcome
-- after the summaries' watermark (every run, without a watermark). Spans and the rest apart,
-- as the views below need them.
CREATE OR REPLACE VIEW {db:Identifier}.runs_with_new_spans AS
SELECT DISTINCT project, run_id FROM {db:Identifier}.spans
WHERE ingested_at > (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark)
;
CREATE OR REPLACE VIEW {db:Identifier}.runs_with_new_analysis_or_outcome AS
SELECT project, run_id FROM {db:Identifier}.run_analysis
WHERE analyzed_at > (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark)
UNION DISTINCT
SELECT project, run_id FROM {db:Identifier}.outcomes
WHERE received_at > (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark)
;
CREATE OR REPLACE VIEW {db:Identifier}.runs_out_of_date AS
SELECT project, run_id FROM {db:Identifier}.runs_with_new_spans
UNION DISTINCT
SELECT project, run_id FROM {db:Identifier}.runs_with_new_analysis_or_outcome
;
-- The runs that received spans since the watermark and also hold spans from before it: their
-- summary saw a span at or before the watermark.
CREATE OR REPLACE VIEW {db:Identifier}.runs_with_old_and_new_spans AS
SELECT DISTINCT project, run_id FROM {db:Identifier}.run_summary
WHERE first_ingested_at <= (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark)
    AND (project, run_id) IN (SELECT project, run_id FROM {db:Identifier}.runs_with_new_spans)
;
-- The one definition of a run, resolved from its spans, its latest analysis and its latest
-- posted outcome, for the runs out of date: what the summariser writes into `run_summary`, and
-- what the `runs` view reads for the runs not summarised yet. Three kinds of run, each read
-- the cheapest way that is exact:
--   a run whose spans all arrived after the watermark (most runs out of date: new ones): only
--     the spans after the watermark are read, which the index on ingested_at finds. Every span
--     at or before the watermark is in its run's latest summary (the summariser summarises
--     each run it sees before it moves the watermark past it), so a run with no summary, or
--     whose summary saw no span that early, has none;
--   a run that also holds spans from before (a long run, a late span, a duplicate's copy):
--     all its spans, found by run id (the spans' bloom filter skips the granules of other runs
--     while such runs are few). By run id alone, in both branches: a run of another project
--     with the same id is then read whole here (exact too) if it has new spans, and not at all
--     if it has none (its summary is current);
--   a run with only a new analysis or a late outcome: its span figures from its summary.
-- Skip indexes select granules under FINAL without widening the selection to every granule
-- whose key range overlaps (exact mode): the versions of a span all carry its run id, and the
-- first kind of run has no version at or before the watermark.
CREATE VIEW {db:Identifier}.runs_touched AS
SELECT
    s.project AS project,
    s.run_id AS run_id,
    s.named_workflow AS named_workflow,
    s.root_name AS root_name,
    s.span_outcome AS span_outcome,
    s.run_version AS run_version,
    s.run_case AS run_case,
    s.run_ci AS run_ci,
    s.run_tokens AS run_tokens,
    s.run_cost AS run_cost,
    s.run_priced_tokens AS run_priced_tokens,
    s.started_at AS started_at,
    s.ended_at AS ended_at,
    s.outcome_at AS outcome_at,
    s.answer_at AS answer_at,
    s.decided_at AS decided_at,
    s.first_ingested_at AS first_ingested_at,
    s.last_ingested_at AS last_ingested_at,
    s.span_count AS span_count,
    o.late_outcome AS late_outcome,
    o.outcome_received_at AS outcome_received_at,
    a.run_id != '' AS analyzed,
    a.wasted_tokens AS wasted_tokens,
    a.carried_tokens AS carried_tokens,
    a.carried_estimated AS carried_estimated,
    a.loop_findings AS loop_findings,
    a.repeated_retrieval_findings AS repeated_retrieval_findings,
    a.extraneous_findings AS extraneous_findings,
    s.step_groups.1 AS group_keys,
    s.step_groups.2 AS group_spans,
    s.step_groups.3 AS group_tokens,
    s.step_groups.4 AS group_cost,
    s.step_groups.5 AS group_priced,
    a.wasted_group_keys AS wasted_group_keys,
    a.wasted_group_tokens AS wasted_group_tokens,
    a.wasted_group_cost AS wasted_group_cost
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
        min(ingested_at) AS first_ingested_at,
        max(ingested_at) AS last_ingested_at,
        count() AS span_count,
        -- Per step group: its spans (never 0, so that sumMap keeps every group), tokens, cost
        -- and priced steps.
        sumMap(
            [leantraceStepGroup(model, kind, team, service_name)],
            [toUInt64(1)],
            [total_tokens],
            [ifNull(cost, 0)],
            [toUInt64(isNotNull(cost))]
        ) AS step_groups
    FROM
    (
        -- `*` leaves out materialized columns: the team is named.
        SELECT *, team FROM {db:Identifier}.spans FINAL
        WHERE ingested_at > (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark)
            AND run_id NOT IN (SELECT run_id FROM {db:Identifier}.runs_with_old_and_new_spans)
        UNION ALL
        SELECT *, team FROM {db:Identifier}.spans FINAL
        WHERE run_id IN (SELECT run_id FROM {db:Identifier}.runs_with_old_and_new_spans)
    )
    GROUP BY project, run_id
    -- A run of another project that shares its id with one read whole, and has no new span.
    HAVING last_ingested_at > (SELECT max(read_until) FROM {db:Identifier}.run_summary_watermark)
    UNION ALL
    SELECT
        project, run_id, named_workflow, root_name, span_outcome, run_version, run_case, run_ci, run_tokens,
        run_cost, run_priced_tokens, started_at, ended_at, outcome_at, answer_at, decided_at, first_ingested_at,
        last_ingested_at, span_count, (group_keys, group_spans, group_tokens, group_cost, group_priced) AS step_groups
    FROM {db:Identifier}.run_summary FINAL
    WHERE (project, run_id) IN (SELECT project, run_id FROM {db:Identifier}.runs_with_new_analysis_or_outcome)
        AND (project, run_id) NOT IN (SELECT project, run_id FROM {db:Identifier}.runs_with_new_spans)
) AS s
LEFT JOIN
(
    SELECT project, run_id, argMax(outcome, received_at) AS late_outcome, max(received_at) AS outcome_received_at
    FROM {db:Identifier}.outcomes
    WHERE (project, run_id) IN (SELECT project, run_id FROM {db:Identifier}.runs_out_of_date)
    GROUP BY project, run_id
) AS o ON o.project = s.project AND o.run_id = s.run_id
LEFT JOIN
(
    SELECT
        project, run_id, wasted_tokens, carried_tokens, carried_estimated,
        loop_findings, repeated_retrieval_findings, extraneous_findings,
        wasted_group_keys, wasted_group_tokens, wasted_group_cost
    FROM {db:Identifier}.run_analysis FINAL
    WHERE (project, run_id) IN (SELECT project, run_id FROM {db:Identifier}.runs_out_of_date)
) AS a ON a.project = s.project AND a.run_id = s.run_id
SETTINGS join_use_nulls = 0, use_skip_indexes_if_final = 1, use_skip_indexes_if_final_exact_mode = 0
;
-- One row per run of a project (see 0009 for each column), now with its latest analysis:
--   analyzed: whether an analysis has looked at it (its waste figures are 0 until then);
--   wasted_tokens, carried_tokens, carried_estimated: as record-runs.sql measured them;
--   loop_findings, repeated_retrieval_findings, extraneous_findings: its current findings per
--   kind, suggestions included;
--   group_keys (leantraceStepGroup: model, kind, team, application) with group_spans,
--   group_tokens, group_cost and group_priced (steps with a price): its steps per group;
--   wasted_group_keys with wasted_group_tokens and wasted_group_cost: what its certain findings
--   waste per group (each span at its largest wasted share; the cost in proportion).
-- A run out of date is resolved as `runs_touched` says; every other run is read from its summary.
CREATE VIEW {db:Identifier}.runs AS
SELECT
    s.project AS project,
    s.run_id AS run_id,
    multiIf(s.named_workflow != '', s.named_workflow, s.root_name != '', s.root_name, '(unnamed)') AS workflow,
    multiIf(s.late_outcome != '', s.late_outcome, s.span_outcome != '', s.span_outcome, 'unknown') AS outcome,
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
    s.outcome_received_at AS outcome_received_at,
    s.span_count AS spans,
    s.analyzed AS analyzed,
    s.wasted_tokens AS wasted_tokens,
    s.carried_tokens AS carried_tokens,
    s.carried_estimated AS carried_estimated,
    s.loop_findings AS loop_findings,
    s.repeated_retrieval_findings AS repeated_retrieval_findings,
    s.extraneous_findings AS extraneous_findings,
    s.group_keys AS group_keys,
    s.group_spans AS group_spans,
    s.group_tokens AS group_tokens,
    s.group_cost AS group_cost,
    s.group_priced AS group_priced,
    s.wasted_group_keys AS wasted_group_keys,
    s.wasted_group_tokens AS wasted_group_tokens,
    s.wasted_group_cost AS wasted_group_cost
FROM
(
    SELECT * EXCEPT summarized_at
    FROM {db:Identifier}.run_summary FINAL
    WHERE (project, run_id) NOT IN (SELECT project, run_id FROM {db:Identifier}.runs_out_of_date)
    UNION ALL
    SELECT * FROM {db:Identifier}.runs_touched
) AS s
