package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"shindan/internal/drift"
	"shindan/reports"
)

// Config is what the store keeps of a scan's configuration beyond the
// report's own metadata: enough to tell "not tested" from "fixed" later.
type Config struct {
	// Ports is the port specification the scan swept (portscan syntax).
	Ports string `json:"ports,omitempty"`
	// Args are the command-line arguments of the scan, for the record.
	Args []string `json:"args,omitempty"`
}

// ErrExists is returned when a scan ID is already in the store.
var ErrExists = errors.New("store: scan already stored")

// Sink writes a running scan into the store: the scan row on Begin,
// assets and findings in one committed transaction per batch, so a killed
// process loses only the batch in flight and leaves the scan marked
// incomplete. It implements engine.Sink.
type Sink struct {
	s   *Store
	cfg Config
	id  string
	// written holds a digest of each finding and asset document already
	// committed, so End rewrites only what changed since it streamed.
	written map[string][32]byte
	resume  bool // Begin takes over a stored incomplete scan (Resuming)
}

// Sink returns a sink for one scan.
func (s *Store) Sink(cfg Config) *Sink { return &Sink{s: s, cfg: cfg, written: map[string][32]byte{}} }

// fresh keeps the findings and assets whose documents differ from what
// the sink already wrote.
func (k *Sink) fresh(fs []reports.Finding, as []reports.Asset) ([]reports.Finding, []reports.Asset) {
	var outF []reports.Finding
	for _, f := range fs {
		b, _ := json.Marshal(f)
		d := sha256.Sum256(b)
		if k.written["f"+f.ID] != d {
			outF = append(outF, f)
		}
	}
	var outA []reports.Asset
	for _, a := range as {
		b, _ := json.Marshal(a)
		d := sha256.Sum256(b)
		if k.written["a"+a.Host] != d {
			outA = append(outA, a)
		}
	}
	return outF, outA
}

// keep merges the digests of a committed batch.
func (k *Sink) keep(d map[string][32]byte) {
	for key, v := range d {
		k.written[key] = v
	}
}

// ScanID is the ID of the scan the sink has begun ("" before Begin).
func (k *Sink) ScanID() string { return k.id }

// Begin stores the scan as incomplete.
func (k *Sink) Begin(ctx context.Context, scan reports.Scan) error {
	scan.Complete = false
	begin := k.s.insertScan
	if k.resume {
		begin = func(ctx context.Context, scan reports.Scan, _ reports.Tool, _ Config) error {
			return k.beginResumed(ctx, scan)
		}
	}
	if err := begin(ctx, scan, reports.Tool{}, k.cfg); err != nil {
		return err
	}
	k.id = scan.ID
	return nil
}

// Assets stores (or replaces) hosts and their services.
func (k *Sink) Assets(ctx context.Context, as []reports.Asset) error {
	if k.id == "" {
		return errors.New("store: Assets before Begin")
	}
	d := map[string][32]byte{}
	if err := k.s.tx(ctx, func(tx *sql.Tx) error { return k.s.putAssets(ctx, tx, k.id, as, d) }); err != nil {
		return err
	}
	k.keep(d)
	return nil
}

// Findings stores (or replaces) findings and updates their sightings.
func (k *Sink) Findings(ctx context.Context, fs []reports.Finding) error {
	if k.id == "" {
		return errors.New("store: Findings before Begin")
	}
	d := map[string][32]byte{}
	if err := k.s.tx(ctx, func(tx *sql.Tx) error { return k.s.putFindings(ctx, tx, k.id, fs, d) }); err != nil {
		return err
	}
	k.keep(d)
	return nil
}

// End stores the final report: the scan's metadata and completeness and
// every asset and finding of the normalised document.
func (k *Sink) End(ctx context.Context, r *reports.Report) error {
	if k.id == "" {
		return errors.New("store: End before Begin")
	}
	if r.Scan.ID != k.id {
		return fmt.Errorf("store: End for scan %s, began %s", r.Scan.ID, k.id)
	}
	// The sink is often the last thing standing after a cancelled scan:
	// write the end even when the scan's context is done.
	ctx = context.WithoutCancel(ctx)
	fs, as := k.fresh(r.Findings, r.Assets)
	return k.s.tx(ctx, func(tx *sql.Tx) error {
		if err := k.s.putAssets(ctx, tx, k.id, as, nil); err != nil {
			return err
		}
		if err := k.s.putFindings(ctx, tx, k.id, fs, nil); err != nil {
			return err
		}
		if err := k.s.dropExtra(ctx, tx, k.id, r.Findings); err != nil {
			return err
		}
		return k.s.updateScan(ctx, tx, r, k.cfg)
	})
}

// Import stores a whole report (shindan import). A scan ID already in
// the store is refused with ErrExists: importing never overwrites.
func (s *Store) Import(ctx context.Context, r *reports.Report, cfg Config) error {
	if err := s.insertScan(ctx, r.Scan, r.Tool, cfg); err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.putAssets(ctx, tx, r.Scan.ID, r.Assets, nil); err != nil {
			return err
		}
		if err := s.putFindings(ctx, tx, r.Scan.ID, r.Findings, nil); err != nil {
			return err
		}
		return s.updateScan(ctx, tx, r, cfg)
	})
}

func (s *Store) insertScan(ctx context.Context, scan reports.Scan, tool reports.Tool, cfg Config) error {
	// seq orders scans independent of clocks; a concurrent writer to a
	// shared PostgreSQL store may take the same number, so retry.
	for attempt := 0; ; attempt++ {
		err := s.tx(ctx, func(tx *sql.Tx) error { return s.insertScanTx(ctx, tx, scan, tool, cfg) })
		if err == nil || errors.Is(err, ErrExists) || attempt >= 4 || ctx.Err() != nil || !isConflict(err) {
			if err != nil && !errors.Is(err, ErrExists) {
				return fmt.Errorf("store: writing scan %s: %w", scan.ID, explain(err))
			}
			return err
		}
	}
}

func (s *Store) insertScanTx(ctx context.Context, tx *sql.Tx, scan reports.Scan, tool reports.Tool, cfg Config) error {
	doc, err := json.Marshal(scan)
	if err != nil {
		return err
	}
	cj, _ := json.Marshal(cfg)
	tj, _ := json.Marshal(tool)
	var n int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT count(*) FROM scans WHERE id = ?`), scan.ID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: %s", ErrExists, scan.ID)
	}
	var seq sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM scans`).Scan(&seq); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.q(`INSERT INTO scans (id, seq, started_at, finished_at, profile, vantage, targets, complete, interrupted_reason, config, tool, doc, subjects)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)`),
		scan.ID, seq.Int64+1, stamp(scan.StartedAt), stamp(scan.FinishedAt), scan.Profile, scan.Vantage,
		strings.Join(scan.Targets, " "), 0, scan.InterruptedReason, string(cj), string(tj), string(doc))
	return err
}

// dropExtra deletes streamed findings the final report does not hold
// (the report is the document of record).
func (s *Store) dropExtra(ctx context.Context, tx *sql.Tx, scanID string, fs []reports.Finding) error {
	keep := make(map[string]bool, len(fs))
	for _, f := range fs {
		keep[f.ID] = true
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM findings WHERE scan_id = ?`), scanID)
	if err != nil {
		return explain(err)
	}
	var extra []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		if !keep[id] {
			extra = append(extra, id)
		}
	}
	rows.Close()
	for _, id := range extra {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM findings WHERE scan_id = ? AND id = ?`), scanID, id); err != nil {
			return explain(err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM subjects WHERE scan_id = ? AND finding = ?`), scanID, id); err != nil {
			return explain(err)
		}
	}
	return rows.Err()
}

func isConflict(err error) bool {
	m := err.Error()
	return strings.Contains(m, "UNIQUE") || strings.Contains(m, "unique") || strings.Contains(m, "23505")
}

func (s *Store) updateScan(ctx context.Context, tx *sql.Tx, r *reports.Report, cfg Config) error {
	doc, err := json.Marshal(r.Scan)
	if err != nil {
		return err
	}
	cj, _ := json.Marshal(cfg)
	tj, _ := json.Marshal(r.Tool)
	complete := 0
	if r.Scan.Complete {
		complete = 1
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE scans SET finished_at = ?, complete = ?, interrupted_reason = ?, config = ?, tool = ?, doc = ? WHERE id = ?`),
		stamp(r.Scan.FinishedAt), complete, r.Scan.InterruptedReason, string(cj), string(tj), string(doc), r.Scan.ID)
	if err != nil {
		return fmt.Errorf("store: finishing scan %s: %w", r.Scan.ID, explain(err))
	}
	return nil
}

// putAssets writes assets and their services; digests, when not nil,
// receives the digest of each asset document written.
func (s *Store) putAssets(ctx context.Context, tx *sql.Tx, scanID string, as []reports.Asset, digests map[string][32]byte) error {
	if len(as) == 0 {
		return nil
	}
	ins, err := tx.PrepareContext(ctx, s.q(`INSERT INTO assets (scan_id, host, doc) VALUES (?, ?, ?)
		ON CONFLICT (scan_id, host) DO UPDATE SET doc = excluded.doc`))
	if err != nil {
		return explain(err)
	}
	defer ins.Close()
	del, err := tx.PrepareContext(ctx, s.q(`DELETE FROM services WHERE scan_id = ? AND host = ?`))
	if err != nil {
		return explain(err)
	}
	defer del.Close()
	svc, err := tx.PrepareContext(ctx, s.q(`INSERT INTO services (scan_id, host, proto, port, service, product, version) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (scan_id, host, proto, port) DO UPDATE SET service = excluded.service, product = excluded.product, version = excluded.version`))
	if err != nil {
		return explain(err)
	}
	defer svc.Close()
	for _, a := range as {
		doc, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if _, err := ins.ExecContext(ctx, scanID, a.Host, string(doc)); err != nil {
			return fmt.Errorf("store: asset %s: %w", a.Host, explain(err))
		}
		if digests != nil {
			digests["a"+a.Host] = sha256.Sum256(doc)
		}
		// A later batch for the host replaces the earlier one whole.
		if _, err := del.ExecContext(ctx, scanID, a.Host); err != nil {
			return explain(err)
		}
		for _, v := range a.Services {
			if _, err := svc.ExecContext(ctx, scanID, a.Host, v.Proto, v.Port, v.Service, v.Product, v.Version); err != nil {
				return fmt.Errorf("store: service %s %s/%d: %w", a.Host, v.Proto, v.Port, explain(err))
			}
		}
	}
	return nil
}

// putFindings writes findings, their sightings and subjects; digests,
// when not nil, receives the digest of each finding document written.
func (s *Store) putFindings(ctx context.Context, tx *sql.Tx, scanID string, fs []reports.Finding, digests map[string][32]byte) error {
	if len(fs) == 0 {
		return nil
	}
	var started string
	if err := tx.QueryRowContext(ctx, s.q(`SELECT started_at FROM scans WHERE id = ?`), scanID).Scan(&started); err != nil {
		return fmt.Errorf("store: scan %s: %w", scanID, explain(err))
	}
	ins, err := tx.PrepareContext(ctx, s.q(`INSERT INTO findings (scan_id, id, check_id, target, host, port, status, severity, waived, articles, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (scan_id, id) DO UPDATE SET check_id = excluded.check_id, target = excluded.target, host = excluded.host,
			port = excluded.port, status = excluded.status, severity = excluded.severity, waived = excluded.waived,
			articles = excluded.articles, doc = excluded.doc`))
	if err != nil {
		return explain(err)
	}
	defer ins.Close()
	// Sightings follow scan start times, so importing an old report
	// after newer scans widens the range instead of resetting it.
	seen, err := tx.PrepareContext(ctx, s.q(`INSERT INTO finding_seen (id, first_scan, first_seen, last_scan, last_seen) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			first_scan = CASE WHEN excluded.first_seen < finding_seen.first_seen THEN excluded.first_scan ELSE finding_seen.first_scan END,
			first_seen = CASE WHEN excluded.first_seen < finding_seen.first_seen THEN excluded.first_seen ELSE finding_seen.first_seen END,
			last_scan = CASE WHEN excluded.last_seen >= finding_seen.last_seen THEN excluded.last_scan ELSE finding_seen.last_scan END,
			last_seen = CASE WHEN excluded.last_seen >= finding_seen.last_seen THEN excluded.last_seen ELSE finding_seen.last_seen END`))
	if err != nil {
		return explain(err)
	}
	defer seen.Close()
	delSub, err := tx.PrepareContext(ctx, s.q(`DELETE FROM subjects WHERE scan_id = ? AND finding = ?`))
	if err != nil {
		return explain(err)
	}
	defer delSub.Close()
	insSub, err := tx.PrepareContext(ctx, s.q(`INSERT INTO subjects (scan_id, finding, n, id, check_id, target, subject, host, proto, port, status, severity, waived, title_ja, title_en, cert)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return explain(err)
	}
	defer insSub.Close()
	for _, f := range fs {
		doc, err := json.Marshal(f)
		if err != nil {
			return err
		}
		if digests != nil {
			digests["f"+f.ID] = sha256.Sum256(doc)
		}
		waived := 0
		if f.Waiver != nil {
			waived = 1
		}
		if _, err := ins.ExecContext(ctx, scanID, f.ID, f.Check, f.Target, f.Host, f.Port, f.Status, f.Severity, waived,
			strings.Join(f.Articles, " "), string(doc)); err != nil {
			return fmt.Errorf("store: finding %s: %w", f.ID, explain(err))
		}
		if _, err := seen.ExecContext(ctx, f.ID, scanID, started, scanID, started); err != nil {
			return fmt.Errorf("store: finding %s: %w", f.ID, explain(err))
		}
		// A finding streamed again replaces its subjects whole.
		if _, err := delSub.ExecContext(ctx, scanID, f.ID); err != nil {
			return fmt.Errorf("store: finding %s: %w", f.ID, explain(err))
		}
		for n, u := range reports.Flatten([]reports.Finding{f}) {
			var ja, en string
			if u.Title != nil {
				ja, en = u.Title.JA, u.Title.EN
			}
			w := 0
			if u.Waiver != nil {
				w = 1
			}
			if _, err := insSub.ExecContext(ctx, scanID, f.ID, n, u.ID, u.Check, u.Target, u.Subject, u.Host, u.Proto, u.Port, u.Status, u.Severity,
				w, ja, en, drift.CertLine(&u)); err != nil {
				return fmt.Errorf("store: finding %s: subject %s: %w", f.ID, u.ID, explain(err))
			}
		}
	}
	return nil
}
