package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

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

// Sink writes a running scan into the store: the scan row on Begin, then
// assets, findings and finished units through a background writer that
// commits whatever has queued up in one transaction (group commit), so
// the engine never waits on the database and a killed process loses only
// the rows not yet committed, typically milliseconds of work, leaving the
// scan marked incomplete. It implements engine.Sink.
type Sink struct {
	s   *Store
	cfg Config
	id  string
	// written holds a digest of each finding and asset document already
	// committed, so End rewrites only what changed since it streamed.
	// Only the writer touches it until End has waited for the writer.
	written map[string][32]byte
	resume  bool // Begin takes over a stored incomplete scan (Resuming)

	queue chan sinkOp
	done  chan struct{} // closed when the writer has stopped
	mu    sync.Mutex
	err   error // the writer's first error
}

// sinkOp is one call's rows, queued for the writer in call order, so a
// unit is never committed before its findings.
type sinkOp struct {
	findings []findingRow
	assets   []assetRow
	unit     *unitRow
	flushed  chan struct{} // closed once the batch holding it is done
}

type unitRow struct {
	host string
	doc  []byte
}

// sinkQueue bounds the calls waiting for the writer: beyond it the
// engine waits, so a stalled database costs bounded memory.
const sinkQueue = 256

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
	k.queue, k.done = make(chan sinkOp, sinkQueue), make(chan struct{})
	go k.writer(context.WithoutCancel(ctx))
	return nil
}

// writer commits the queued rows, everything waiting at once in one
// transaction. After an error it drops what comes: the next call reports
// the error and the engine stops the scan.
func (k *Sink) writer(ctx context.Context) {
	defer close(k.done)
	for first := range k.queue {
		batch := []sinkOp{first}
	more:
		for len(batch) < sinkQueue {
			select {
			case op, ok := <-k.queue:
				if !ok {
					break more
				}
				batch = append(batch, op)
			default:
				break more
			}
		}
		if k.failed() != nil {
			signal(batch)
			continue
		}
		// One statement set for the whole batch: findings and assets in
		// call order, then the units, all in one transaction.
		var fs []findingRow
		var as []assetRow
		for _, op := range batch {
			fs, as = append(fs, op.findings...), append(as, op.assets...)
		}
		err := k.s.tx(ctx, func(tx *sql.Tx) error {
			if err := k.s.writeFindings(ctx, tx, k.id, fs); err != nil {
				return err
			}
			if err := k.s.writeAssets(ctx, tx, k.id, as); err != nil {
				return err
			}
			for _, op := range batch {
				if u := op.unit; u != nil {
					if _, err := tx.ExecContext(ctx, k.s.q(`INSERT INTO units (scan_id, host, doc) VALUES (?, ?, ?)
						ON CONFLICT (scan_id, host) DO UPDATE SET doc = excluded.doc`), k.id, u.host, string(u.doc)); err != nil {
						return fmt.Errorf("store: unit %s of scan %s: %w", u.host, k.id, explain(err))
					}
				}
			}
			return nil
		})
		if err != nil {
			k.mu.Lock()
			k.err = fmt.Errorf("store: writing scan %s: %w", k.id, explain(err))
			k.mu.Unlock()
			signal(batch)
			continue
		}
		for _, op := range batch {
			for _, f := range op.findings {
				k.written["f"+f.id] = sha256.Sum256(f.doc)
			}
			for _, a := range op.assets {
				k.written["a"+a.host] = sha256.Sum256(a.doc)
			}
		}
		signal(batch)
	}
}

func signal(batch []sinkOp) {
	for _, op := range batch {
		if op.flushed != nil {
			close(op.flushed)
		}
	}
}

// Flush waits until everything handed to the sink so far is committed.
func (k *Sink) Flush() error {
	if k.queue == nil {
		return k.failed()
	}
	ch := make(chan struct{})
	if err := k.enqueue(sinkOp{flushed: ch}); err != nil {
		return err
	}
	<-ch
	return k.failed()
}

func (k *Sink) failed() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.err
}

// enqueue hands rows to the writer, or reports the writer's error.
func (k *Sink) enqueue(op sinkOp) error {
	if err := k.failed(); err != nil {
		return err
	}
	k.queue <- op
	return nil
}

// drain stops the writer once it has committed everything queued.
func (k *Sink) drain() error {
	if k.queue != nil {
		close(k.queue)
		<-k.done
		k.queue = nil
	}
	return k.failed()
}

// Assets stores (or replaces) hosts and their services.
func (k *Sink) Assets(ctx context.Context, as []reports.Asset) error {
	if k.id == "" {
		return errors.New("store: Assets before Begin")
	}
	rows, err := assetRows(as)
	if err != nil {
		return err
	}
	return k.enqueue(sinkOp{assets: rows})
}

// Findings stores (or replaces) findings and updates their sightings.
func (k *Sink) Findings(ctx context.Context, fs []reports.Finding) error {
	if k.id == "" {
		return errors.New("store: Findings before Begin")
	}
	rows, err := findingRows(fs)
	if err != nil {
		return err
	}
	return k.enqueue(sinkOp{findings: rows})
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
	if err := k.drain(); err != nil {
		return err
	}
	fs, as := k.fresh(r.Findings, r.Assets)
	return k.s.tx(ctx, func(tx *sql.Tx) error {
		if err := k.s.putAssets(ctx, tx, k.id, as); err != nil {
			return err
		}
		if err := k.s.putFindings(ctx, tx, k.id, fs); err != nil {
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
		if err := s.putAssets(ctx, tx, r.Scan.ID, r.Assets); err != nil {
			return err
		}
		if err := s.putFindings(ctx, tx, r.Scan.ID, r.Findings); err != nil {
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

// assetRow is an asset ready to write: its document and services.
type assetRow struct {
	host     string
	doc      []byte
	services []reports.Service
}

// findingRow is a finding ready to write: its columns, document and
// flattened subjects. Rows are built by the caller, so a background
// writer never reads memory the engine still owns.
type findingRow struct {
	id, check, target, host, status, severity, articles string
	port, waived                                        int
	doc                                                 []byte
	subjects                                            []subjectRow
}

type subjectRow struct {
	id, check, target, subject, host, proto, status, severity, titleJA, titleEN, cert string
	port, waived                                                                      int
}

func assetRows(as []reports.Asset) ([]assetRow, error) {
	out := make([]assetRow, 0, len(as))
	for _, a := range as {
		doc, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("store: asset %s: %w", a.Host, err)
		}
		out = append(out, assetRow{host: a.Host, doc: doc, services: slices.Clone(a.Services)})
	}
	return out, nil
}

func findingRows(fs []reports.Finding) ([]findingRow, error) {
	out := make([]findingRow, 0, len(fs))
	for _, f := range fs {
		doc, err := json.Marshal(f)
		if err != nil {
			return nil, fmt.Errorf("store: finding %s: %w", f.ID, err)
		}
		r := findingRow{id: f.ID, check: f.Check, target: f.Target, host: f.Host, status: f.Status, severity: f.Severity,
			articles: strings.Join(f.Articles, " "), port: f.Port, waived: flag(f.Waiver != nil), doc: doc}
		for _, u := range reports.Flatten([]reports.Finding{f}) {
			var ja, en string
			if u.Title != nil {
				ja, en = u.Title.JA, u.Title.EN
			}
			r.subjects = append(r.subjects, subjectRow{id: u.ID, check: u.Check, target: u.Target, subject: u.Subject, host: u.Host,
				proto: u.Proto, status: u.Status, severity: u.Severity, titleJA: ja, titleEN: en, cert: drift.CertLine(&u),
				port: u.Port, waived: flag(u.Waiver != nil)})
		}
		out = append(out, r)
	}
	return out, nil
}

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// putAssets writes assets and their services.
func (s *Store) putAssets(ctx context.Context, tx *sql.Tx, scanID string, as []reports.Asset) error {
	rows, err := assetRows(as)
	if err != nil {
		return err
	}
	return s.writeAssets(ctx, tx, scanID, rows)
}

// putFindings writes findings, their sightings and their subjects.
func (s *Store) putFindings(ctx context.Context, tx *sql.Tx, scanID string, fs []reports.Finding) error {
	rows, err := findingRows(fs)
	if err != nil {
		return err
	}
	return s.writeFindings(ctx, tx, scanID, rows)
}

func (s *Store) writeAssets(ctx context.Context, tx *sql.Tx, scanID string, as []assetRow) error {
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
		if _, err := ins.ExecContext(ctx, scanID, a.host, string(a.doc)); err != nil {
			return fmt.Errorf("store: asset %s: %w", a.host, explain(err))
		}
		// A later batch for the host replaces the earlier one whole.
		if _, err := del.ExecContext(ctx, scanID, a.host); err != nil {
			return explain(err)
		}
		for _, v := range a.services {
			if _, err := svc.ExecContext(ctx, scanID, a.host, v.Proto, v.Port, v.Service, v.Product, v.Version); err != nil {
				return fmt.Errorf("store: service %s %s/%d: %w", a.host, v.Proto, v.Port, explain(err))
			}
		}
	}
	return nil
}

func (s *Store) writeFindings(ctx context.Context, tx *sql.Tx, scanID string, fs []findingRow) error {
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
		if _, err := ins.ExecContext(ctx, scanID, f.id, f.check, f.target, f.host, f.port, f.status, f.severity, f.waived,
			f.articles, string(f.doc)); err != nil {
			return fmt.Errorf("store: finding %s: %w", f.id, explain(err))
		}
		if _, err := seen.ExecContext(ctx, f.id, scanID, started, scanID, started); err != nil {
			return fmt.Errorf("store: finding %s: %w", f.id, explain(err))
		}
		// A finding streamed again replaces its subjects whole.
		if _, err := delSub.ExecContext(ctx, scanID, f.id); err != nil {
			return fmt.Errorf("store: finding %s: %w", f.id, explain(err))
		}
		for n, u := range f.subjects {
			if _, err := insSub.ExecContext(ctx, scanID, f.id, n, u.id, u.check, u.target, u.subject, u.host, u.proto, u.port, u.status, u.severity,
				u.waived, u.titleJA, u.titleEN, u.cert); err != nil {
				return fmt.Errorf("store: finding %s: subject %s: %w", f.id, u.id, explain(err))
			}
		}
	}
	return nil
}
