package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"shindan/internal/engine"
	"shindan/reports"
)

// The sink records finished units and answers for interrupted scans.
var (
	_ engine.UnitSink     = (*Sink)(nil)
	_ engine.ResumeSource = (*Sink)(nil)
)

// Resuming makes the sink continue a scan already in the store (scan
// --resume): Begin takes over the stored, incomplete scan of the same ID
// instead of refusing it.
func (k *Sink) Resuming() *Sink {
	k.resume = true
	return k
}

// UnitDone records a finished host. It is queued behind the host's
// findings and asset, so a unit in the store always has its results too.
func (k *Sink) UnitDone(ctx context.Context, u engine.Unit) error {
	if k.id == "" {
		return errors.New("store: UnitDone before Begin")
	}
	doc, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("store: unit %s: %w", u.Host, err)
	}
	return k.enqueue(sinkOp{unit: &unitRow{host: u.Host, doc: doc}})
}

// ResumeState implements engine.ResumeSource.
func (k *Sink) ResumeState(ctx context.Context, scanID string) (*engine.Resume, error) {
	return k.s.ResumeState(ctx, scanID)
}

// ResumeState is what an interrupted stored scan left: its finished
// units, their findings and assets, and the probes it had sent. A
// complete scan has nothing to resume.
func (s *Store) ResumeState(ctx context.Context, scanID string) (*engine.Resume, error) {
	var doc string
	var complete int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT doc, complete FROM scans WHERE id = ?`), scanID).Scan(&doc, &complete)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, scanID)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", explain(err))
	}
	if complete == 1 {
		return nil, fmt.Errorf("store: scan %s finished complete; there is nothing to resume", scanID)
	}
	var scan reports.Scan
	if err := json.Unmarshal([]byte(doc), &scan); err != nil {
		return nil, fmt.Errorf("store: scan %s: corrupt scan document: %w", scanID, err)
	}
	res := &engine.Resume{ScanID: scanID}
	if scan.Stats != nil {
		res.ProbesSent = scan.Stats.ProbesSent
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT host, doc FROM units WHERE scan_id = ? ORDER BY host`), scanID)
	if err != nil {
		return nil, fmt.Errorf("store: %w", explain(err))
	}
	for rows.Next() {
		var host, d string
		var u engine.Unit
		if err := rows.Scan(&host, &d); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: %w", err)
		}
		if err := json.Unmarshal([]byte(d), &u); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: scan %s: unit %s: corrupt document: %w", scanID, host, err)
		}
		res.Units = append(res.Units, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// The engine keeps only the findings and assets of finished units;
	// the rest (a host cut mid-way) is probed again.
	r, _, err := s.Report(ctx, scanID)
	if err != nil {
		return nil, err
	}
	res.Findings, res.Assets = r.Findings, r.Assets
	return res, nil
}

// beginResumed takes over a stored incomplete scan for a resumed run, or
// stores the scan when the store does not hold it yet.
func (k *Sink) beginResumed(ctx context.Context, scan reports.Scan) error {
	var complete int
	err := k.s.db.QueryRowContext(ctx, k.s.q(`SELECT complete FROM scans WHERE id = ?`), scan.ID).Scan(&complete)
	if errors.Is(err, sql.ErrNoRows) {
		return k.s.insertScan(ctx, scan, reports.Tool{}, k.cfg)
	}
	if err != nil {
		return fmt.Errorf("store: %w", explain(err))
	}
	if complete == 1 {
		return fmt.Errorf("store: scan %s finished complete; a resumed run cannot take it over", scan.ID)
	}
	doc, err := json.Marshal(scan)
	if err != nil {
		return err
	}
	_, err = k.s.db.ExecContext(ctx, k.s.q(`UPDATE scans SET doc = ?, interrupted_reason = '' WHERE id = ?`), string(doc), scan.ID)
	if err != nil {
		return fmt.Errorf("store: resuming scan %s: %w", scan.ID, explain(err))
	}
	return nil
}
