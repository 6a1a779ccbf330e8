package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"shindan/internal/drift"
)

// SaveEvents stores a run's drift events under its scan, replacing any
// stored before for that scan.
func (s *Store) SaveEvents(ctx context.Context, scanID string, evs []drift.Event) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM drift_events WHERE scan_id = ?`), scanID); err != nil {
			return explain(err)
		}
		for i, e := range evs {
			doc, err := json.Marshal(e)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO drift_events (scan_id, n, kind, host, at, doc) VALUES (?, ?, ?, ?, ?, ?)`),
				scanID, i, string(e.Kind), e.Host, stamp(e.At), string(doc)); err != nil {
				return fmt.Errorf("store: drift event: %w", explain(err))
			}
		}
		return nil
	})
}

// Events lists drift events, newest first; host "" = all hosts.
func (s *Store) Events(ctx context.Context, host string, since time.Time, limit int) ([]drift.Event, error) {
	q := `SELECT doc FROM drift_events WHERE at >= ?`
	args := []any{stamp(since)}
	if host != "" {
		q += ` AND host = ?`
		args = append(args, host)
	}
	q += ` ORDER BY at DESC, scan_id DESC, n ASC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", explain(err))
	}
	defer rows.Close()
	var out []drift.Event
	for rows.Next() {
		var d string
		var e drift.Event
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(d), &e); err != nil {
			return nil, fmt.Errorf("store: drift event: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
