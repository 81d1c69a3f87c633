-- Per workflow and per day (UTC; or per hour, for short windows) of the runs' start: runs, successes, tokens and cost, and
-- tokens per successful outcome, for the runs that started in [{since}, {until}).
SELECT
    workflow,
    if({bucket:String} = 'hour',
        formatDateTime(toStartOfHour(started_at, 'UTC'), '%Y-%m-%dT%H:00Z', 'UTC'),
        toString(toDate(started_at, 'UTC'))) AS day,
    count() AS runs,
    countIf(outcome = 'success') AS successes,
    sum(total_tokens) AS totalTokens,
    if(successes = 0, NULL, totalTokens / successes) AS tokensPerSuccess,
    if(sum(priced_tokens) = 0, NULL, sum(ifNull(cost, 0))) AS totalCost
FROM {db:Identifier}.runs
WHERE project = {project:String}
    AND ({workflow:String} = '' OR workflow = {workflow:String})
    AND started_at >= parseDateTime64BestEffort({since:String}, 9, 'UTC')
    AND started_at < parseDateTime64BestEffort({until:String}, 9, 'UTC')
GROUP BY workflow, day
ORDER BY workflow, day
