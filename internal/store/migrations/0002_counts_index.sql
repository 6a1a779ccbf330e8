-- history counts findings per scan, status and severity: a covering
-- index answers that without reading the finding rows.
CREATE INDEX findings_counts ON findings (scan_id, status, severity);
