package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"shindan/reports"
)

// ErrNotFound is returned for a scan ID the store does not hold.
var ErrNotFound = errors.New("store: no such scan")

// ScanInfo is one row of the scan history.
type ScanInfo struct {
	ID                string         `json:"id"`
	Seq               int64          `json:"seq"`
	StartedAt         time.Time      `json:"started_at"`
	FinishedAt        time.Time      `json:"finished_at,omitzero"`
	Profile           string         `json:"profile,omitempty"`
	Vantage           string         `json:"vantage,omitempty"`
	Targets           string         `json:"targets"`
	Complete          bool           `json:"complete"`
	InterruptedReason string         `json:"interrupted_reason,omitempty"`
	Hosts             int            `json:"hosts"`
	Findings          int            `json:"findings"`
	ByStatus          map[string]int `json:"by_status"`
	BySeverity        map[string]int `json:"by_severity"` // fail and warn only
	Config            Config         `json:"config"`
}

// Filter selects scans for History.
type Filter struct {
	Target  string    // substring of the scan's targets
	Profile string    // exact
	Since   time.Time // started at or after
	Until   time.Time // started before
	Limit   int       // 0 = all
	// Complete, when set, keeps only scans that finished.
	Complete bool
}

// History lists scans, newest first, with their counts.
func (s *Store) History(ctx context.Context, f Filter) ([]ScanInfo, error) {
	var where []string
	var args []any
	if f.Target != "" {
		where = append(where, "targets LIKE ? ESCAPE '\\'")
		args = append(args, "%"+likeEscape(f.Target)+"%")
	}
	if f.Profile != "" {
		where = append(where, "profile = ?")
		args = append(args, f.Profile)
	}
	if !f.Since.IsZero() {
		where = append(where, "started_at >= ?")
		args = append(args, stamp(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, "started_at < ?")
		args = append(args, stamp(f.Until))
	}
	if f.Complete {
		where = append(where, "complete = 1")
	}
	q := `SELECT id, seq, started_at, finished_at, profile, vantage, targets, complete, interrupted_reason, config FROM scans`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: history: %w", explain(err))
	}
	var out []ScanInfo
	idx := map[string]int{}
	for rows.Next() {
		var si ScanInfo
		var started, finished, cfg string
		var complete int
		if err := rows.Scan(&si.ID, &si.Seq, &started, &finished, &si.Profile, &si.Vantage, &si.Targets, &complete, &si.InterruptedReason, &cfg); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: history: %w", err)
		}
		si.StartedAt, si.FinishedAt, si.Complete = parseStamp(started), parseStamp(finished), complete == 1
		if err := json.Unmarshal([]byte(cfg), &si.Config); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: scan %s: corrupt config column: %w", si.ID, err)
		}
		si.ByStatus, si.BySeverity = map[string]int{}, map[string]int{}
		idx[si.ID] = len(out)
		out = append(out, si)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: history: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// Counts for every listed scan in two grouped queries rather than two
	// per scan.
	in, inArgs := inList(out)
	rows, err = s.db.QueryContext(ctx, s.q(`SELECT scan_id, status, severity, count(*) FROM findings WHERE scan_id IN (`+in+`) GROUP BY scan_id, status, severity`), inArgs...)
	if err != nil {
		return nil, fmt.Errorf("store: history: %w", explain(err))
	}
	for rows.Next() {
		var id, st, sev string
		var n int
		if err := rows.Scan(&id, &st, &sev, &n); err != nil {
			rows.Close()
			return nil, err
		}
		si := &out[idx[id]]
		si.Findings += n
		si.ByStatus[st] += n
		if st == "fail" || st == "warn" {
			si.BySeverity[sev] += n
		}
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, s.q(`SELECT scan_id, count(*) FROM assets WHERE scan_id IN (`+in+`) GROUP BY scan_id`), inArgs...)
	if err != nil {
		return nil, fmt.Errorf("store: history: %w", explain(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[idx[id]].Hosts = n
	}
	return out, rows.Err()
}

func inList(ss []ScanInfo) (string, []any) {
	marks := make([]string, len(ss))
	args := make([]any, len(ss))
	for i, s := range ss {
		marks[i], args[i] = "?", s.ID
	}
	return strings.Join(marks, ","), args
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Resolve turns a scan reference into a scan ID: "latest" (the newest
// complete scan; with like, the newest complete scan of the same targets
// and profile that started before it), or an ID.
func (s *Store) Resolve(ctx context.Context, ref string, like *reports.Scan) (string, error) {
	if ref != "latest" {
		var n int
		if err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM scans WHERE id = ?`), ref).Scan(&n); err != nil {
			return "", fmt.Errorf("store: %w", explain(err))
		}
		if n == 0 {
			return "", fmt.Errorf("%w: %q (see 'shindan history')", ErrNotFound, ref)
		}
		return ref, nil
	}
	q := `SELECT id FROM scans WHERE complete = 1`
	var args []any
	if like != nil {
		q += ` AND targets = ? AND profile = ? AND id <> ? AND started_at < ?`
		args = append(args, strings.Join(like.Targets, " "), like.Profile, like.ID, stamp(like.StartedAt))
	}
	q += ` ORDER BY seq DESC LIMIT 1`
	var id string
	err := s.db.QueryRowContext(ctx, s.q(q), args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if like != nil {
			return "", fmt.Errorf("%w: no earlier complete scan of the same targets and profile for --baseline latest", ErrNotFound)
		}
		return "", fmt.Errorf("%w: the store holds no complete scan", ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("store: %w", explain(err))
	}
	return id, nil
}

// Report rebuilds a scan's report from the store, normalised, with the
// scan's stored configuration.
func (s *Store) Report(ctx context.Context, id string) (*reports.Report, Config, error) {
	var doc, tool, cfgj string
	var complete int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT doc, tool, config, complete FROM scans WHERE id = ?`), id).Scan(&doc, &tool, &cfgj, &complete)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Config{}, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, Config{}, fmt.Errorf("store: %w", explain(err))
	}
	r := &reports.Report{SchemaVersion: reports.SchemaVersion, Findings: []reports.Finding{}}
	var cfg Config
	if err := json.Unmarshal([]byte(doc), &r.Scan); err != nil {
		return nil, cfg, fmt.Errorf("store: scan %s: corrupt scan document: %w", id, err)
	}
	if err := json.Unmarshal([]byte(tool), &r.Tool); err != nil {
		return nil, cfg, fmt.Errorf("store: scan %s: corrupt tool column: %w", id, err)
	}
	if err := json.Unmarshal([]byte(cfgj), &cfg); err != nil {
		return nil, cfg, fmt.Errorf("store: scan %s: corrupt config column: %w", id, err)
	}
	if r.Tool.Name == "" {
		r.Tool.Name = "shindan"
	}
	// A scan killed before End still reads as incomplete.
	r.Scan.Complete = complete == 1
	if !r.Scan.Complete && r.Scan.InterruptedReason == "" {
		r.Scan.InterruptedReason = "the scan did not finish (process ended before the report was complete)"
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT host, doc FROM assets WHERE scan_id = ?`), id)
	if err != nil {
		return nil, cfg, fmt.Errorf("store: %w", explain(err))
	}
	for rows.Next() {
		var h, d string
		var a reports.Asset
		if err := rows.Scan(&h, &d); err != nil {
			rows.Close()
			return nil, cfg, err
		}
		if err := json.Unmarshal([]byte(d), &a); err != nil {
			rows.Close()
			return nil, cfg, fmt.Errorf("store: scan %s: asset %s: corrupt document: %w", id, h, err)
		}
		r.Assets = append(r.Assets, a)
	}
	rows.Close()
	rows, err = s.db.QueryContext(ctx, s.q(`SELECT id, doc FROM findings WHERE scan_id = ?`), id)
	if err != nil {
		return nil, cfg, fmt.Errorf("store: %w", explain(err))
	}
	defer rows.Close()
	for rows.Next() {
		var fid, d string
		var f reports.Finding
		if err := rows.Scan(&fid, &d); err != nil {
			return nil, cfg, err
		}
		if err := json.Unmarshal([]byte(d), &f); err != nil {
			return nil, cfg, fmt.Errorf("store: scan %s: finding %s: corrupt document: %w", id, fid, err)
		}
		r.Findings = append(r.Findings, f)
	}
	if err := rows.Err(); err != nil {
		return nil, cfg, err
	}
	if r.Scan.Stats == nil {
		open := 0
		for _, a := range r.Assets {
			open += len(a.Services)
		}
		r.Scan.Stats = &reports.Stats{HostsAlive: len(r.Assets), PortsOpen: open}
	}
	r.Normalize()
	return r, cfg, nil
}

// Seen is a finding's first and last sighting.
type Seen struct {
	FirstScan string    `json:"first_scan"`
	FirstSeen time.Time `json:"first_seen"`
	LastScan  string    `json:"last_scan"`
	LastSeen  time.Time `json:"last_seen"`
}

// Sightings returns the first/last sighting of each finding ID asked for.
func (s *Store) Sightings(ctx context.Context, ids []string) (map[string]Seen, error) {
	out := map[string]Seen{}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		marks := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, first_scan, first_seen, last_scan, last_seen FROM finding_seen WHERE id IN (`+marks+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("store: %w", explain(err))
		}
		for rows.Next() {
			var id, fs, ls, ft, lt string
			if err := rows.Scan(&id, &fs, &ft, &ls, &lt); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = Seen{FirstScan: fs, FirstSeen: parseStamp(ft), LastScan: ls, LastSeen: parseStamp(lt)}
		}
		rows.Close()
	}
	return out, nil
}

// FindingAt is one scan's verdict of a finding ID.
type FindingAt struct {
	ScanID    string
	StartedAt time.Time
	Finding   reports.Finding
}

// FindingHistory lists a finding's verdicts over the scans, newest first.
func (s *Store) FindingHistory(ctx context.Context, id string, limit int) ([]FindingAt, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT f.scan_id, s.started_at, f.doc FROM findings f JOIN scans s ON s.id = f.scan_id
		WHERE f.id = ? ORDER BY s.seq DESC LIMIT ?`), id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: %w", explain(err))
	}
	defer rows.Close()
	var out []FindingAt
	for rows.Next() {
		var fa FindingAt
		var st, d string
		if err := rows.Scan(&fa.ScanID, &st, &d); err != nil {
			return nil, err
		}
		fa.StartedAt = parseStamp(st)
		if err := json.Unmarshal([]byte(d), &fa.Finding); err != nil {
			return nil, fmt.Errorf("store: scan %s: finding %s: corrupt document: %w", fa.ScanID, id, err)
		}
		out = append(out, fa)
	}
	return out, rows.Err()
}

// HostScan is a host's state in one scan.
type HostScan struct {
	ScanID    string
	StartedAt time.Time
	Services  int
	Bad       int // fail and warn findings
}

// HostHistory lists the scans that saw a host, newest first.
func (s *Store) HostHistory(ctx context.Context, host string, limit int) ([]HostScan, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT a.scan_id, s.started_at,
			(SELECT count(*) FROM services v WHERE v.scan_id = a.scan_id AND v.host = a.host),
			(SELECT count(*) FROM findings f WHERE f.scan_id = a.scan_id AND f.host = a.host AND f.status IN ('fail', 'warn'))
		FROM assets a JOIN scans s ON s.id = a.scan_id WHERE a.host = ? ORDER BY s.seq DESC LIMIT ?`), host, limit)
	if err != nil {
		return nil, fmt.Errorf("store: %w", explain(err))
	}
	defer rows.Close()
	var out []HostScan
	for rows.Next() {
		var h HostScan
		var st string
		if err := rows.Scan(&h.ScanID, &st, &h.Services, &h.Bad); err != nil {
			return nil, err
		}
		h.StartedAt = parseStamp(st)
		out = append(out, h)
	}
	return out, rows.Err()
}

// ArticleStatus is the worst status of an article's findings in a scan.
type ArticleStatus struct {
	ScanID  string
	Article string
	Worst   string
}

// ArticleMatrix returns the worst status per article for each given scan.
func (s *Store) ArticleMatrix(ctx context.Context, scanIDs []string) ([]ArticleStatus, error) {
	if len(scanIDs) == 0 {
		return nil, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(scanIDs)), ",")
	args := make([]any, len(scanIDs))
	for i, id := range scanIDs {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT scan_id, articles, status FROM findings WHERE scan_id IN (`+marks+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", explain(err))
	}
	defer rows.Close()
	type key struct{ scan, art string }
	worst := map[key]string{}
	for rows.Next() {
		var id, arts, st string
		if err := rows.Scan(&id, &arts, &st); err != nil {
			return nil, err
		}
		for _, a := range strings.Fields(arts) {
			k := key{id, a}
			if w, ok := worst[k]; !ok || statusRank(st) < statusRank(w) {
				worst[k] = st
			}
		}
	}
	out := make([]ArticleStatus, 0, len(worst))
	for k, w := range worst {
		out = append(out, ArticleStatus{ScanID: k.scan, Article: k.art, Worst: w})
	}
	return out, rows.Err()
}

func statusRank(s string) int {
	for i, x := range reports.Statuses {
		if x == s {
			return i
		}
	}
	return len(reports.Statuses)
}
