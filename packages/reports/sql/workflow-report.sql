-- Tokens per successful outcome, per workflow, over the `runs` view (which resolves each run's
-- workflow, outcome and tokens: see packages/storage/migrations/0002-analysis.sql).
--
-- tokensPerSuccess = all tokens of all runs, failed and unknown ones included, divided by
-- the successful runs; NULL when there is none.
SELECT
    workflow,
    count() AS runs,
    countIf(outcome = 'success') AS successes,
    countIf(outcome = 'failure') AS failures,
    sum(total_tokens) AS totalTokens,
    if(successes = 0, NULL, totalTokens / successes) AS tokensPerSuccess
FROM {db:Identifier}.runs
WHERE {workflow:String} = '' OR workflow = {workflow:String}
GROUP BY workflow
ORDER BY workflow
