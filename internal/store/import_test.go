package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"shindan/internal/drift"
	"shindan/reports"
)

// TestImportStream: a report streamed in stores what Import stores; a
// report bad after its first batches stores nothing; an ID already
// stored is refused.
func TestImportStream(t *testing.T) {
	ctx := context.Background()
	old, cur := driftPair(time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC))
	// More findings than one batch, so the failure below comes after
	// batches were written inside the transaction.
	for i := range importBatch + 10 {
		cur.Findings = append(cur.Findings, reports.Finding{ID: fmt.Sprintf("Fx%04d", i),
			Check: "service.exposed", Articles: []string{"59-1"}, Target: "198.51.100.20:22", Host: "198.51.100.20", Port: 22, Status: "info"})
	}
	cur.Normalize()
	// As Report fills in for a report without stats.
	cur.Scan.Stats = &reports.Stats{HostsAlive: len(cur.Assets), PortsOpen: 5}
	for kind, dsn := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			s := open(t, kind, dsn)
			if err := s.Import(ctx, old, Config{}); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(cur)
			res, err := s.ImportStream(ctx, bytes.NewReader(b), Config{})
			if err != nil {
				t.Fatal(err)
			}
			if res.ScanID != "cur" || res.Findings != len(cur.Findings) {
				t.Errorf("imported %+v, want cur with %d findings", res, len(cur.Findings))
			}
			got, _, err := s.Report(ctx, "cur")
			if err != nil {
				t.Fatal(err)
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(cur)
			if string(gj) != string(wj) {
				t.Errorf("the streamed import reads back different from the report:\n got %.600s\nwant %.600s", gj, wj)
			}
			// The store's diff of the streamed scan matches the in-memory one.
			o, _ := s.Side(ctx, "old")
			n, _ := s.Side(ctx, "cur")
			d, err := drift.CompareSides(ctx, o, n, drift.Options{})
			if err != nil {
				t.Fatal(err)
			}
			dj, _ := json.Marshal(d)
			if mj, _ := json.Marshal(drift.Compare(old, cur, drift.Options{})); string(dj) != string(mj) {
				t.Errorf("diff after a streamed import:\n got %s\nwant %s", dj, mj)
			}

			if _, err := s.ImportStream(ctx, bytes.NewReader(b), Config{}); !errors.Is(err, ErrExists) {
				t.Errorf("second import of cur: %v, want ErrExists", err)
			}
			bad := *cur
			bad.Scan.ID = "bad"
			bad.Findings = append([]reports.Finding(nil), cur.Findings...)
			bad.Findings[len(bad.Findings)-1].Status = "bogus"
			bb, _ := json.Marshal(&bad)
			_, err = s.ImportStream(ctx, bytes.NewReader(bb), Config{})
			if err == nil || !IsDecodeError(err) || !strings.Contains(err.Error(), "a valid status are required") {
				t.Errorf("bad report: %v", err)
			}
			if _, err := s.Resolve(ctx, "bad", nil); !errors.Is(err, ErrNotFound) {
				t.Errorf("a refused import left its scan behind: %v", err)
			}
			var rows int
			if err := s.db.QueryRowContext(ctx, s.q(`SELECT count(*) FROM findings WHERE scan_id = ?`), "bad").Scan(&rows); err != nil || rows != 0 {
				t.Errorf("a refused import left %d findings (%v)", rows, err)
			}
		})
	}
}
