-- diff compares verdicts, certificates and services; decoding every
-- finding document with its evidence for that cost more than the rest of
-- the command. One row per finding subject (a grouped finding's items
-- flattened) holds just what the comparison reads, indexed in the order
-- the merge join walks it.
CREATE TABLE subjects (
	scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
	finding TEXT NOT NULL,
	n INTEGER NOT NULL,
	id TEXT NOT NULL,
	check_id TEXT NOT NULL,
	target TEXT NOT NULL,
	subject TEXT NOT NULL DEFAULT '',
	host TEXT NOT NULL DEFAULT '',
	proto TEXT NOT NULL DEFAULT '',
	port INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	severity TEXT NOT NULL DEFAULT '',
	waived INTEGER NOT NULL DEFAULT 0,
	title_ja TEXT NOT NULL DEFAULT '',
	title_en TEXT NOT NULL DEFAULT '',
	cert TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (scan_id, finding, n)
);
CREATE INDEX subjects_id ON subjects (scan_id, id);
-- Scans stored before this migration have no subject rows; diff reads
-- their documents instead.
ALTER TABLE scans ADD COLUMN subjects INTEGER NOT NULL DEFAULT 0;
