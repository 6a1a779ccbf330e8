-- One schema for SQLite and PostgreSQL: only types and statements both
-- accept. Timestamps are UTC text in one fixed-width layout, so they sort
-- and compare as strings in either engine. Documents (scan, asset,
-- finding) are kept whole as JSON next to the indexed columns, so fields a
-- later report version adds survive a round trip through the store.
CREATE TABLE scans (
	id TEXT PRIMARY KEY,
	seq BIGINT NOT NULL,
	started_at TEXT NOT NULL,
	finished_at TEXT NOT NULL DEFAULT '',
	profile TEXT NOT NULL DEFAULT '',
	vantage TEXT NOT NULL DEFAULT '',
	targets TEXT NOT NULL DEFAULT '',
	complete INTEGER NOT NULL DEFAULT 0,
	interrupted_reason TEXT NOT NULL DEFAULT '',
	config TEXT NOT NULL DEFAULT '{}',
	tool TEXT NOT NULL DEFAULT '{}',
	doc TEXT NOT NULL
);
CREATE INDEX scans_started ON scans (started_at);
CREATE UNIQUE INDEX scans_seq ON scans (seq);

CREATE TABLE assets (
	scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
	host TEXT NOT NULL,
	doc TEXT NOT NULL,
	PRIMARY KEY (scan_id, host)
);
CREATE INDEX assets_host ON assets (host);

CREATE TABLE services (
	scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
	host TEXT NOT NULL,
	proto TEXT NOT NULL,
	port INTEGER NOT NULL,
	service TEXT NOT NULL DEFAULT '',
	product TEXT NOT NULL DEFAULT '',
	version TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (scan_id, host, proto, port)
);

CREATE TABLE findings (
	scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
	id TEXT NOT NULL,
	check_id TEXT NOT NULL,
	target TEXT NOT NULL,
	host TEXT NOT NULL DEFAULT '',
	port INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL,
	severity TEXT NOT NULL DEFAULT '',
	waived INTEGER NOT NULL DEFAULT 0,
	articles TEXT NOT NULL DEFAULT '',
	doc TEXT NOT NULL,
	PRIMARY KEY (scan_id, id)
);
CREATE INDEX findings_id ON findings (id);
CREATE INDEX findings_host ON findings (host);

-- The first and last scan that reported each finding ID.
CREATE TABLE finding_seen (
	id TEXT PRIMARY KEY,
	first_scan TEXT NOT NULL,
	first_seen TEXT NOT NULL,
	last_scan TEXT NOT NULL,
	last_seen TEXT NOT NULL
);

CREATE TABLE drift_events (
	scan_id TEXT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
	n INTEGER NOT NULL,
	kind TEXT NOT NULL,
	host TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL,
	doc TEXT NOT NULL,
	PRIMARY KEY (scan_id, n)
);
CREATE INDEX drift_at ON drift_events (at);
