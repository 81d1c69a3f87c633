-- Where a project's tokens went, grouped by one dimension of its steps or runs: each step's
-- model, step kind, team (the `team` column: see migration 0008) or application
-- (service.name); or its run's workflow, version, case or user (`user.id` on any of its spans).
-- Only the runs selected (workflow, started in [{since}, {until})) count; by model, only LLM
-- and embedding steps. Also what `leantrace usage` (chargeback) prints.
--
-- Each run carries its steps summed per group (model, kind, team, application) and what its
-- certain findings waste per group (the `runs` view, migration 0010), so no span is read but
-- for `user`.
--
-- runs             = the selected runs with a step in the group
-- successes        = those of them that succeeded
-- totalTokens      = the group's steps' tokens (each step once: duplicates carry none)
-- tokensPerSuccess = totalTokens / successes (NULL when none succeeded)
-- wastedTokens     = what the certain findings say was wasted of the group's steps, each span
--                    at its largest wasted share
-- wastedCost       = the wasted tokens' share of each wasted step's cost
-- totalCost        = US dollars over the priced steps; NULL when none has a price
WITH
    selected AS
    (
        SELECT
            run_id, workflow, outcome, service_version, case_id, group_keys, group_tokens, group_cost,
            group_priced, wasted_group_keys, wasted_group_tokens, wasted_group_cost
        FROM {db:Identifier}.runs
        WHERE project = {project:String}
            AND ({workflow:String} = '' OR workflow = {workflow:String})
            AND started_at >= parseDateTime64BestEffort({since:String}, 9, 'UTC')
            AND started_at < parseDateTime64BestEffort({until:String}, 9, 'UTC')
    ),
    users AS
    (
        SELECT run_id, anyIf(span_attributes['user.id'], span_attributes['user.id'] != '') AS user_id
        FROM {db:Identifier}.spans
        WHERE project = {project:String} AND {by:String} = 'user'
            AND run_id IN (SELECT run_id FROM selected)
        GROUP BY run_id
    ),
    -- One row per run and group: the group's key for {by}, whether it is the run's first row
    -- with that key (so that runs are counted without a set of their ids), and its steps'
    -- figures; then one per run and wasted group with its waste. A group key is model, kind,
    -- team and application apart by a unit separator (leantraceStepGroup); by model, the steps
    -- of other kinds get the key '\0' and are left out.
    groups AS
    (
        SELECT run_id, outcome, key, first, has_steps, tokens, cost, priced, wasted, wasted_cost
        FROM
        (
            SELECT
                r.run_id AS run_id,
                r.outcome AS outcome,
                arrayMap(
                    k -> multiIf(
                        {by:String} = 'model' AND leantraceStepGroupPart(k, 2) NOT IN ('llm', 'embedding'), '\0',
                        {by:String} = 'model', leantraceStepGroupPart(k, 1),
                        {by:String} = 'kind', leantraceStepGroupPart(k, 2),
                        {by:String} = 'team', leantraceStepGroupPart(k, 3),
                        {by:String} = 'app', leantraceStepGroupPart(k, 4),
                        {by:String} = 'version', r.service_version,
                        {by:String} = 'case', r.case_id,
                        {by:String} = 'workflow', r.workflow,
                        ifNull(u.user_id, '')),
                    arrayConcat(r.group_keys, r.wasted_group_keys)) AS keys,
                arrayMap((k, i) -> indexOf(keys, k) = i, keys, arrayEnumerate(keys)) AS firsts,
                arrayConcat(
                    arrayWithConstant(length(r.group_keys), 1), arrayWithConstant(length(r.wasted_group_keys), 0))
                    AS steps_flags,
                arrayConcat(r.group_tokens, arrayWithConstant(length(r.wasted_group_keys), toUInt64(0))) AS tokens_list,
                arrayConcat(r.group_cost, arrayWithConstant(length(r.wasted_group_keys), toFloat64(0))) AS cost_list,
                arrayConcat(r.group_priced, arrayWithConstant(length(r.wasted_group_keys), toUInt64(0))) AS priced_list,
                arrayConcat(arrayWithConstant(length(r.group_keys), toUInt64(0)), r.wasted_group_tokens) AS wasted_list,
                arrayConcat(arrayWithConstant(length(r.group_keys), toFloat64(0)), r.wasted_group_cost)
                    AS wasted_cost_list
            FROM selected AS r
            LEFT JOIN users AS u ON u.run_id = r.run_id
        )
        ARRAY JOIN
            keys AS key, firsts AS first, steps_flags AS has_steps, tokens_list AS tokens, cost_list AS cost,
            priced_list AS priced, wasted_list AS wasted, wasted_cost_list AS wasted_cost
    )
SELECT
    key,
    countIf(first AND has_steps = 1) AS runs,
    countIf(first AND has_steps = 1 AND outcome = 'success') AS successes,
    sum(tokens) AS totalTokens,
    if(successes = 0, NULL, totalTokens / successes) AS tokensPerSuccess,
    sum(wasted) AS wastedTokens,
    if(sum(priced) = 0, NULL, sum(wasted_cost)) AS wastedCost,
    if(sum(priced) = 0, NULL, sum(cost)) AS totalCost
FROM groups
WHERE key != '\0'
GROUP BY key
ORDER BY totalTokens DESC, key
SETTINGS join_use_nulls = 0
