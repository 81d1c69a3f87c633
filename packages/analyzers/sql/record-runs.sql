-- Records that this pass analysed its runs, with what it saw: later passes skip a run until
-- new spans or a new outcome arrive for it, and findings of older passes are superseded.
INSERT INTO {db:Identifier}.run_analysis
(
    run_id, pass_id, workflow, outcome, service_version, last_ingested_at, outcome_received_at, signatures
)
WITH batch AS
(
    SELECT run_id FROM {db:Identifier}.analysis_batch WHERE pass_id = {pass:UInt64}
)
SELECT
    r.run_id, {pass:UInt64}, r.workflow, r.outcome, r.service_version, r.last_ingested_at,
    r.outcome_received_at, s.signatures
FROM
(
    SELECT * FROM {db:Identifier}.runs WHERE run_id IN (SELECT run_id FROM batch)
) AS r
LEFT JOIN
(
    SELECT run_id, groupUniqArray(concat(kind, ':', if(kind = 'tool', tool_name, data_source))) AS signatures
    FROM {db:Identifier}.analysis_steps
    WHERE pass_id = {pass:UInt64} AND kind IN ('tool', 'retrieval', 'embedding', 'rerank')
    GROUP BY run_id
) AS s ON s.run_id = r.run_id
