-- A project's tokens and cost per team over the UTC days [{start}, {end}], from each run's
-- latest metering.
WITH latest AS
(
    SELECT run_id, max(metered_at) AS at
    FROM {db:Identifier}.usage_daily
    WHERE project = {project:String} AND day >= toDate({start:String}) AND day <= toDate({end:String})
    GROUP BY run_id
)
SELECT team, sum(tokens) AS tokens, sum(cost) AS cost
FROM {db:Identifier}.usage_daily FINAL
WHERE project = {project:String}
    AND day >= toDate({start:String}) AND day <= toDate({end:String})
    AND (run_id, metered_at) IN (SELECT run_id, at FROM latest)
GROUP BY team
