-- Records that this pass analysed its runs, with what it saw: later passes skip a run until
-- new spans or a new outcome arrive for it, and findings of older passes are superseded.
INSERT INTO {db:Identifier}.run_analysis
(
    project, run_id, pass_id, workflow, outcome, service_version, last_ingested_at, outcome_received_at, signatures
)
SELECT
    project, run_id, pass_id, workflow, outcome, service_version, last_ingested_at, outcome_received_at,
    arrayDistinct(arrayFilter(s -> s != '', step_signatures))
FROM {db:Identifier}.analysis_runs
WHERE pass_id = {pass:UInt64}
