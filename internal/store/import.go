package store

import (
	"context"
	"errors"
	"fmt"
	"io"

	"shindan/reports"
)

// importBatch is how many findings or assets go to the database at once.
const importBatch = 500

// ImportStream stores a JSON report read element by element
// (reports.DecodeStream), so that memory stays bounded by a batch however
// large the report. It is one transaction: a report that turns out bad
// halfway leaves nothing behind. A scan ID already in the store is
// refused with ErrExists.
func (s *Store) ImportStream(ctx context.Context, rs io.ReadSeeker, cfg Config) (Imported, error) {
	for attempt := 0; ; attempt++ {
		n, err := s.importOnce(ctx, rs, cfg)
		// Two writers of a shared PostgreSQL store may take the same seq.
		if err == nil || attempt >= 4 || ctx.Err() != nil || !isConflict(err) {
			return n, err
		}
		if _, serr := rs.Seek(0, io.SeekStart); serr != nil {
			return Imported{}, err
		}
	}
}

// Imported is what ImportStream stored.
type Imported struct {
	ScanID   string
	Findings int
}

// decodeError marks a failure of the input, not of the store.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// IsDecodeError tells a bad report from a failing store.
func IsDecodeError(err error) bool {
	var d *decodeError
	return errors.As(err, &d)
}

func (s *Store) importOnce(ctx context.Context, rs io.ReadSeeker, cfg Config) (Imported, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Imported{}, fmt.Errorf("store: %w", explain(err))
	}
	defer tx.Rollback()
	var head *reports.Report
	var fs []reports.Finding
	var as []reports.Asset
	total := 0
	flush := func() error {
		if err := s.putAssets(ctx, tx, head.Scan.ID, as); err != nil {
			return err
		}
		if err := s.putFindings(ctx, tx, head.Scan.ID, fs); err != nil {
			return err
		}
		total += len(fs)
		fs, as = fs[:0], as[:0]
		return nil
	}
	var storeErr error
	keep := func(err error) error {
		if err != nil && storeErr == nil {
			storeErr = err
		}
		return err
	}
	err = reports.DecodeStream(rs, reports.StreamHandler{
		Header: func(r *reports.Report) error {
			h := *r
			head = &h
			return keep(s.insertScanTx(ctx, tx, h.Scan, h.Tool, cfg))
		},
		Asset: func(a *reports.Asset) error {
			if as = append(as, *a); len(as) >= importBatch {
				return keep(flush())
			}
			return nil
		},
		Finding: func(f *reports.Finding) error {
			if fs = append(fs, *f); len(fs) >= importBatch {
				return keep(flush())
			}
			return nil
		},
	})
	if storeErr != nil {
		if errors.Is(storeErr, ErrExists) {
			return Imported{}, storeErr
		}
		return Imported{}, fmt.Errorf("store: importing scan %s: %w", head.Scan.ID, explain(storeErr))
	}
	if err != nil {
		return Imported{}, &decodeError{err}
	}
	if err := flush(); err != nil {
		return Imported{}, fmt.Errorf("store: importing scan %s: %w", head.Scan.ID, explain(err))
	}
	if err := s.updateScan(ctx, tx, head, cfg); err != nil {
		return Imported{}, err
	}
	if err := tx.Commit(); err != nil {
		return Imported{}, fmt.Errorf("store: importing scan %s: %w", head.Scan.ID, explain(err))
	}
	return Imported{head.Scan.ID, total}, nil
}
