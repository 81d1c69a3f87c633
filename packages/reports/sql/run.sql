-- One run's totals, as the `runs` view resolves them.
SELECT
    run_id AS runId,
    workflow,
    outcome,
    case_id AS caseId,
    total_tokens AS tokens,
    if(priced_tokens = 0, NULL, cost) AS cost,
    service_version AS version,
    ci_run_id AS ciRunId,
    toString(started_at) AS startedAt,
    toString(ended_at) AS endedAt,
    spans
FROM {db:Identifier}.runs
WHERE project = {project:String} AND run_id = {run:String}
