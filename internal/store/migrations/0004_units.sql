-- The finished units (hosts) of a scan, as the engine reports them, so
-- that scan --store --resume continues an interrupted stored scan
-- without its JSONL stream.
CREATE TABLE units (
	scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
	host TEXT NOT NULL,
	doc TEXT NOT NULL,
	PRIMARY KEY (scan_id, host)
);
