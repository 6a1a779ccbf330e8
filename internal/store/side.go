package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"

	"shindan/internal/drift"
	"shindan/reports"
)

// Side returns a stored scan as a diff reads it: hosts, certificates and
// verdicts streamed in key order from the indexed columns, without the
// findings' documents. A scan stored before migration 3 has no subject
// rows; it is read whole instead.
func (s *Store) Side(ctx context.Context, id string) (drift.Side, error) {
	var indexed int
	err := s.db.QueryRowContext(ctx, s.q(`SELECT subjects FROM scans WHERE id = ?`), id).Scan(&indexed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", explain(err))
	}
	if indexed == 0 {
		r, _, err := s.Report(ctx, id)
		if err != nil {
			return nil, err
		}
		return drift.ReportSide(r), nil
	}
	return &storeSide{s: s, id: id}, nil
}

type storeSide struct {
	s  *Store
	id string
}

func (k *storeSide) ScanID() string { return k.id }

// bytewise orders a text column by its bytes, the order Go compares
// strings in: SQLite's default; PostgreSQL's default follows the
// database's locale.
func (s *Store) bytewise(col string) string {
	if s.postgres {
		return col + ` COLLATE "C"`
	}
	return col
}

// rowsSeq runs a query and yields one value per row; scan reads a row.
func rowsSeq[T any](ctx context.Context, s *Store, query string, args []any, scan func(*sql.Rows) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rows, err := s.db.QueryContext(ctx, s.q(query), args...)
		if err != nil {
			yield(zero, fmt.Errorf("store: %w", explain(err)))
			return
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if !yield(v, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, fmt.Errorf("store: %w", explain(err)))
		}
	}
}

// assetDiffView is the part of an asset document a diff reads.
type assetDiffView struct {
	Names    []string          `json:"names"`
	Services []reports.Service `json:"services"`
}

func (k *storeSide) Hosts(ctx context.Context) iter.Seq2[drift.Host, error] {
	return rowsSeq(ctx, k.s, `SELECT host, doc FROM assets WHERE scan_id = ? ORDER BY `+k.s.bytewise("host"), []any{k.id},
		func(rows *sql.Rows) (drift.Host, error) {
			var h drift.Host
			var doc string
			if err := rows.Scan(&h.Host, &doc); err != nil {
				return h, fmt.Errorf("store: scan %s: asset: %w", k.id, err)
			}
			var v assetDiffView
			if err := json.Unmarshal([]byte(doc), &v); err != nil {
				return h, fmt.Errorf("store: scan %s: asset %s: corrupt document: %w", k.id, h.Host, err)
			}
			h.Names = v.Names
			h.Services = drift.SortServices(v.Services)
			return h, nil
		})
}

func (k *storeSide) Certs(ctx context.Context) iter.Seq2[drift.Cert, error] {
	return rowsSeq(ctx, k.s, `SELECT target, cert FROM subjects WHERE scan_id = ? AND cert <> '' ORDER BY `+k.s.bytewise("target")+`, `+
		k.s.bytewise("finding")+`, n`, []any{k.id},
		func(rows *sql.Rows) (drift.Cert, error) {
			var c drift.Cert
			if err := rows.Scan(&c.Target, &c.Line); err != nil {
				return c, fmt.Errorf("store: scan %s: certificate: %w", k.id, err)
			}
			return c, nil
		})
}

func (k *storeSide) Verdicts(ctx context.Context) iter.Seq2[drift.Verdict, error] {
	return rowsSeq(ctx, k.s, `SELECT id, check_id, target, subject, host, proto, port, status, severity, waived, title_ja, title_en
		FROM subjects WHERE scan_id = ? ORDER BY `+k.s.bytewise("id")+`, `+k.s.bytewise("finding")+`, n`, []any{k.id},
		func(rows *sql.Rows) (drift.Verdict, error) {
			var v drift.Verdict
			var waived int
			var ja, en string
			if err := rows.Scan(&v.ID, &v.Check, &v.Target, &v.Subject, &v.Host, &v.Proto, &v.Port, &v.Status, &v.Severity, &waived, &ja, &en); err != nil {
				return v, fmt.Errorf("store: scan %s: finding subject: %w", k.id, err)
			}
			v.Waived = waived == 1
			if ja != "" || en != "" {
				v.Title = &reports.Text{JA: ja, EN: en}
			}
			return v, nil
		})
}
