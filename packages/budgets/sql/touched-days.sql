-- The (project, UTC day) pairs with spans stored since metering last read, and how far this
-- read goes. Rows land with ingested_at set by the engine at insert; an insert still under way
-- when this runs may carry an earlier time, so each read starts {overlap_ms} before the last
-- one ended: a day is metered once more rather than missed.
SELECT
    s.project AS project,
    toString(toDate(s.start_time, 'UTC')) AS day,
    toString(max(s.ingested_at)) AS newest
FROM {db:Identifier}.spans AS s
LEFT JOIN
(
    SELECT project, max(read_until) AS read_until FROM {db:Identifier}.meter_watermark GROUP BY project
) AS w ON w.project = s.project
WHERE s.ingested_at > w.read_until - toIntervalMillisecond({overlap_ms:UInt32})
GROUP BY project, day
ORDER BY project, day
LIMIT 100000
