-- A project's tokens and cost per team over the UTC days [{start}, {end}], from each day's
-- latest metering.
WITH latest AS
(
    SELECT day, max(metered_at) AS at
    FROM {db:Identifier}.usage_daily
    WHERE project = {project:String} AND day >= toDate({start:String}) AND day <= toDate({end:String})
    GROUP BY day
)
SELECT team, sum(tokens) AS tokens, sum(cost) AS cost
FROM {db:Identifier}.usage_daily FINAL
WHERE project = {project:String}
    AND day >= toDate({start:String}) AND day <= toDate({end:String})
    AND (day, metered_at) IN (SELECT day, at FROM latest)
    AND team != ''
GROUP BY team
