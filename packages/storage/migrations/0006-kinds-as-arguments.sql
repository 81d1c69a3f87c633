-- The analyzers' functions take the step kinds they are about as arguments, so that which kinds
-- are actions, lookups or reads is written once (@leantrace/conventions) and passed in as query
-- parameters, not spelled out again here. Statements are separated by a line holding only ";".
--
-- The LLM call that chose action c (a position in a run's steps) and nothing else: the last LLM
-- call before it, when no other action ran between them and none follows before the next LLM
-- call; 0 otherwise. The turns before it (talking to a user, thinking) did not choose the
-- action, and a call that chose several actions at once was not wasted by one of them.
CREATE OR REPLACE FUNCTION leantraceChooser AS (kinds, actions_before, c, action_kinds) ->
    if(
        arrayLastIndex((k, j) -> k = 'llm' AND j < c, kinds, arrayEnumerate(kinds)) > 0
            AND actions_before[arrayLastIndex((k, j) -> k = 'llm' AND j < c, kinds, arrayEnumerate(kinds))] = actions_before[c]
            AND kinds[arrayFirstIndex((k, j) -> j > c AND (k = 'llm' OR has(action_kinds, k)), kinds, arrayEnumerate(kinds))] IN ('llm', ''),
        arrayLastIndex((k, j) -> k = 'llm' AND j < c, kinds, arrayEnumerate(kinds)),
        0)
;
-- A step's signature, what off-path compares across runs: its kind with its tool name, or with
-- its data source for the kinds that read; '' for other steps.
CREATE OR REPLACE FUNCTION leantraceStepSignature AS (kind, tool, source, read_kinds) ->
    multiIf(kind = 'tool', concat('tool:', tool), has(read_kinds, kind), concat(kind, ':', source), '')
