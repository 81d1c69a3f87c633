-- Picks the runs this pass analyses: complete runs that changed since their last analysis.
--
-- A run is complete when its outcome is known (on a span, decided by an outcome event, or
-- posted to /v1/outcomes) or when nothing arrived for it for {idle_ms} milliseconds.
-- It changed when spans or an outcome arrived after its last analysis, or it never had one;
-- a full pass ({full} = 1) takes every complete run, changed or not.
-- A pass asked for by one project ({project}) takes that project's runs only; '' takes all.
-- Only spans and outcomes received after {since} are read: an incremental pass never scans
-- the whole table. A run left incomplete stays in that window until it goes idle.
INSERT INTO {db:Identifier}.analysis_batch (pass_id, project, run_id)
WITH
    touched AS
    (
        SELECT
            project,
            run_id,
            max(ingested_at) AS last_ingested,
            countIf(outcome != '' OR toUnixTimestamp64Nano(outcome_decided_at) > 0) > 0 AS outcome_on_span
        FROM {db:Identifier}.spans
        WHERE ingested_at > {since:DateTime64(3)} AND ({project:String} = '' OR project = {project:String})
        GROUP BY project, run_id
    ),
    late AS
    (
        SELECT project, run_id, max(received_at) AS received
        FROM {db:Identifier}.outcomes
        WHERE received_at > {since:DateTime64(3)} AND ({project:String} = '' OR project = {project:String})
        GROUP BY project, run_id
    ),
    candidates AS
    (
        SELECT project, run_id FROM touched
        UNION DISTINCT
        SELECT project, run_id FROM late
    ),
    previous AS
    (
        SELECT project, run_id, last_ingested_at, outcome_received_at, outcome
        FROM {db:Identifier}.run_analysis FINAL
        -- A full pass has read every span in `touched`: the previous analyses add nothing.
        WHERE {full:UInt8} = 0
            AND run_id IN (SELECT run_id FROM candidates)
            AND (project, run_id) IN (SELECT project, run_id FROM candidates)
    )
SELECT {pass:UInt64}, c.project, c.run_id
FROM candidates AS c
LEFT JOIN touched AS t ON t.project = c.project AND t.run_id = c.run_id
LEFT JOIN late AS l ON l.project = c.project AND l.run_id = c.run_id
LEFT JOIN previous AS p ON p.project = c.project AND p.run_id = c.run_id
WHERE
    (
        t.outcome_on_span
        OR toUnixTimestamp64Milli(l.received) > 0
        OR p.outcome NOT IN ('', 'unknown')
        OR t.last_ingested < {now:DateTime64(3)} - toIntervalMillisecond({idle_ms:UInt64})
    )
    AND
    (
        {full:UInt8} = 1
        OR p.run_id = ''
        OR t.last_ingested > p.last_ingested_at
        OR l.received > p.outcome_received_at
    )
