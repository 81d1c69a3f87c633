-- The projects with spans stored since metering last read, and the newest such span. The
-- watermark stays before any insert that may still be under way (storage's watermarkUntil), so
-- a run is metered once more rather than missed.
SELECT project, toString(max(ingested_at)) AS newest
FROM {db:Identifier}.spans
WHERE ingested_at > (SELECT max(read_until) FROM {db:Identifier}.meter_watermark)
GROUP BY project
ORDER BY project
