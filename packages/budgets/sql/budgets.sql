-- A project's budgets, as last set.
SELECT team, period, limit_tokens AS limitTokens, limit_cost AS limitCost, soft
FROM {db:Identifier}.budgets FINAL
WHERE project = {project:String} AND deleted = 0
ORDER BY team, period
