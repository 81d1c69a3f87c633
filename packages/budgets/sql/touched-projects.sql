-- The projects with spans stored since metering last read, and the newest such span. Rows
-- land with ingested_at set by the engine at insert; an insert still under way when this runs
-- may carry an earlier time, so each read starts {overlap_ms} before the last one ended: a run
-- is metered once more rather than missed.
SELECT project, toString(max(ingested_at)) AS newest
FROM {db:Identifier}.spans
WHERE ingested_at > (SELECT max(read_until) FROM {db:Identifier}.meter_watermark) - toIntervalMillisecond({overlap_ms:UInt32})
GROUP BY project
ORDER BY project
