-- Tokens per successful outcome, per workflow, and broken down by version and by outcome, for
-- one project: every table read is confined to {project}.
--
-- Runs come from the `runs` view, which resolves each run's workflow, outcome, version, tokens
-- and cost, and carries its latest analysis: its waste and its findings per kind (see
-- packages/storage/migrations/0010-report-ready-runs.sql). Only the runs that started in
-- [{since}, {until}) count.
--
-- tokensPerSuccess = all tokens of all runs, failed and unknown ones included, divided by the
--                    successful runs; NULL when there is none. costPerSuccess likewise, over
--                    the cost of priced steps; NULL when no step has a price.
-- wastedTokens     = per run, the tokens of the spans its certain findings name, each span
--                    counted once even when several findings name it (at most its largest
--                    wasted share); suggestions are not counted.
-- carriedTokens    = per run, what its other LLM calls paid to carry those spans' messages in
--                    their prompts (context carried forward), each call at most its input:
--                    never a token also counted as wasted. Both are computed by the analysis
--                    pass (packages/analyzers/sql/record-runs.sql).
SELECT
    r.workflow AS workflow,
    grouping(r.service_version) = 0 AS byVersion,
    grouping(r.outcome) = 0 AS byOutcome,
    r.service_version AS version,
    r.outcome AS outcome,
    count() AS runs,
    countIf(r.outcome = 'success') AS successes,
    countIf(r.outcome = 'failure') AS failures,
    sum(r.total_tokens) AS totalTokens,
    if(successes = 0, NULL, totalTokens / successes) AS tokensPerSuccess,
    sum(r.wasted_tokens) AS wastedTokens,
    if(totalTokens = 0, NULL, wastedTokens / totalTokens) AS wastedShare,
    sum(r.carried_tokens) AS carriedTokens,
    if(totalTokens = 0, NULL, carriedTokens / totalTokens) AS carriedShare,
    max(r.carried_estimated) = 1 AS carriedEstimated,
    if(sum(r.priced_tokens) = 0, NULL, sum(ifNull(r.cost, 0))) AS totalCost,
    if(successes = 0 OR totalCost IS NULL, NULL, totalCost / successes) AS costPerSuccess,
    sum(r.loop_findings) AS loopFindings,
    sum(r.repeated_retrieval_findings) AS repeatedRetrievalFindings,
    sum(r.extraneous_findings) AS extraneousFindings,
    countIf(r.analyzed = 1) AS analyzedRuns
FROM {db:Identifier}.runs AS r
WHERE r.project = {project:String} AND ({workflow:String} = '' OR r.workflow = {workflow:String})
    AND r.started_at >= parseDateTime64BestEffort({since:String}, 9, 'UTC')
    AND r.started_at < parseDateTime64BestEffort({until:String}, 9, 'UTC')
GROUP BY GROUPING SETS ((r.workflow), (r.workflow, r.service_version), (r.workflow, r.outcome))
ORDER BY workflow, byVersion, byOutcome, version, outcome
