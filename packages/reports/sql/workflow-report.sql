-- Tokens per successful outcome, per workflow, and broken down by version and by outcome, for
-- one project: every table read is confined to {project}.
--
-- Runs come from the `runs` view (which resolves each run's workflow, outcome, version, tokens
-- and cost: see packages/storage/migrations/0002-analysis.sql); waste from the current
-- findings of analysed runs.
--
-- tokensPerSuccess = all tokens of all runs, failed and unknown ones included, divided by the
--                    successful runs; NULL when there is none. costPerSuccess likewise, over
--                    the cost of priced steps; NULL when no step has a price.
-- wastedTokens     = per run, the tokens of the spans its certain findings name, each span
--                    counted once even when several findings name it (at most its largest
--                    wasted share); suggestions (off_path) are not counted.
WITH
    waste AS
    (
        SELECT run_id, sum(tokens) AS wasted
        FROM
        (
            SELECT run_id, part.1 AS span_id, max(part.2) AS tokens
            FROM {db:Identifier}.current_findings
            ARRAY JOIN arrayZip(wasted_span_ids, wasted_span_tokens) AS part
            WHERE project = {project:String} AND confidence = 'certain'
            GROUP BY run_id, span_id
        )
        GROUP BY run_id
    ),
    finding_counts AS
    (
        SELECT
            run_id,
            countIf(kind = 'loop') AS loops,
            countIf(kind = 'repeated_retrieval') AS repeated_retrievals,
            countIf(kind = 'extraneous') AS extraneous
        FROM {db:Identifier}.current_findings
        WHERE project = {project:String}
        GROUP BY run_id
    ),
    analysed AS
    (
        SELECT run_id FROM {db:Identifier}.run_analysis FINAL WHERE project = {project:String}
    )
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
    sum(ifNull(w.wasted, 0)) AS wastedTokens,
    if(totalTokens = 0, NULL, wastedTokens / totalTokens) AS wastedShare,
    if(sum(r.priced_tokens) = 0, NULL, sum(ifNull(r.cost, 0))) AS totalCost,
    if(successes = 0 OR totalCost IS NULL, NULL, totalCost / successes) AS costPerSuccess,
    sum(ifNull(f.loops, 0)) AS loopFindings,
    sum(ifNull(f.repeated_retrievals, 0)) AS repeatedRetrievalFindings,
    sum(ifNull(f.extraneous, 0)) AS extraneousFindings,
    countIf(r.run_id IN (SELECT run_id FROM analysed)) AS analyzedRuns
FROM {db:Identifier}.runs AS r
LEFT JOIN waste AS w ON w.run_id = r.run_id
LEFT JOIN finding_counts AS f ON f.run_id = r.run_id
WHERE r.project = {project:String} AND ({workflow:String} = '' OR r.workflow = {workflow:String})
GROUP BY GROUPING SETS ((r.workflow), (r.workflow, r.service_version), (r.workflow, r.outcome))
ORDER BY workflow, byVersion, byOutcome, version, outcome
