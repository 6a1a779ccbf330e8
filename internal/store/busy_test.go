package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Two writers on one SQLite file (a sweep's sink and its own scan-row
// updates, or two processes) each read before they write inside a
// transaction. A deferred transaction that upgrades from read to write
// gets SQLITE_BUSY at once, without the busy handler: CI saw a scan fail
// with "database is locked" that way. Write transactions start IMMEDIATE,
// so they wait (busy_timeout) instead.
func TestSQLiteConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "busy.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := a.db.ExecContext(ctx, `CREATE TABLE busy_probe (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	// b holds the write lock (as a store opening on a fresh file does
	// while it migrates) while a reads, then writes.
	hold, err := b.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		hold.ExecContext(ctx, `COMMIT`)
		hold.Close()
	}()
	if err := a.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM busy_probe`).Scan(&n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO busy_probe VALUES (?)`, n)
		return err
	}); err != nil {
		t.Fatalf("write while another connection holds the lock: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, s := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 150 {
				err := s.tx(ctx, func(tx *sql.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM busy_probe`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO busy_probe VALUES (?)`, n)
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent writer: %v", errors.Unwrap(err))
	}
	var n int
	if err := a.db.QueryRowContext(ctx, `SELECT count(*) FROM busy_probe`).Scan(&n); err != nil || n != 301 {
		t.Fatalf("%d rows (%v), want 301", n, err)
	}
}
