-- Summarises again every run that received spans after the watermark: its row in
-- `run_summary` is replaced by the run as resolved from all its stored spans now.
INSERT INTO {db:Identifier}.run_summary
SELECT *, now64(3) AS summarized_at FROM {db:Identifier}.runs_touched
