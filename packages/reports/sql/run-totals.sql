-- One row per selected run: what the CI gate compares. Every condition left empty holds.
SELECT
    run_id AS runId,
    workflow,
    outcome,
    case_id AS caseId,
    total_tokens AS tokens,
    if(priced_tokens = 0, NULL, cost) AS cost,
    service_version AS version,
    ci_run_id AS ciRunId
FROM {db:Identifier}.runs
WHERE project = {project:String}
    AND ({ci_run_id:String} = '' OR ci_run_id = {ci_run_id:String})
    AND ({version:String} = '' OR service_version = {version:String})
    AND ({workflow:String} = '' OR workflow = {workflow:String})
    AND started_at >= parseDateTime64BestEffort({since:String}, 9, 'UTC')
    AND started_at < parseDateTime64BestEffort({until:String}, 9, 'UTC')
ORDER BY workflow, runId
