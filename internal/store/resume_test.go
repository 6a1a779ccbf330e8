package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"shindan/internal/engine"
	"shindan/reports"
)

// TestResumeState: a sink's finished units come back from the store with
// their findings; a resumed sink takes the stored scan over; a complete
// scan has nothing to resume.
func TestResumeState(t *testing.T) {
	ctx := context.Background()
	for kind, dsn := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			s := open(t, kind, dsn)
			r := sample("R1", time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC), reports.Finding{ID: "Fa", Check: "service.exposed", Articles: []string{"59-1"},
				Target: "198.51.100.10:22", Host: "198.51.100.10", Port: 22, Status: "info"})
			k := s.Sink(Config{Ports: "22"})
			if err := k.Begin(ctx, r.Scan); err != nil {
				t.Fatal(err)
			}
			if err := k.Assets(ctx, r.Assets); err != nil {
				t.Fatal(err)
			}
			if err := k.Findings(ctx, r.Findings); err != nil {
				t.Fatal(err)
			}
			if err := k.UnitDone(ctx, engine.Unit{Host: "198.51.100.10", Alive: true, FindingIDs: []string{"Fa"}}); err != nil {
				t.Fatal(err)
			}
			if err := k.Flush(); err != nil {
				t.Fatal(err)
			}
			// Killed here: no End.
			res, err := s.ResumeState(ctx, "R1")
			if err != nil {
				t.Fatal(err)
			}
			if res.ScanID != "R1" || len(res.Units) != 1 || res.Units[0].Host != "198.51.100.10" || !res.Units[0].Alive ||
				len(res.Units[0].FindingIDs) != 1 || len(res.Findings) != 1 || res.Findings[0].ID != "Fa" || len(res.Assets) != 1 {
				t.Fatalf("resume state %+v", res)
			}
			if _, err := s.ResumeState(ctx, "nope"); !errors.Is(err, ErrNotFound) {
				t.Errorf("unknown scan: %v", err)
			}
			// A plain sink refuses the ID; a resuming one takes it over.
			if err := s.Sink(Config{}).Begin(ctx, r.Scan); !errors.Is(err, ErrExists) {
				t.Errorf("plain Begin of a stored ID: %v", err)
			}
			k2 := s.Sink(Config{Ports: "22"}).Resuming()
			if err := k2.Begin(ctx, r.Scan); err != nil {
				t.Fatal(err)
			}
			done := *r
			done.Scan.ResumedFrom = "R1"
			if err := k2.End(ctx, &done); err != nil {
				t.Fatal(err)
			}
			got, _, err := s.Report(ctx, "R1")
			if err != nil || !got.Scan.Complete || got.Scan.ResumedFrom != "R1" || len(got.Findings) != 1 {
				t.Fatalf("after the resumed End: %v %+v", err, got)
			}
			if _, err := s.ResumeState(ctx, "R1"); err == nil || !strings.Contains(err.Error(), "nothing to resume") {
				t.Errorf("complete scan: %v", err)
			}
			if err := s.Sink(Config{}).Resuming().Begin(ctx, r.Scan); err == nil {
				t.Error("a resuming sink took over a complete scan")
			}
		})
	}
}

// TestConcurrentOpen: processes opening a fresh store at the same time
// (a sweep and a dashboard on a shared PostgreSQL database) migrate it
// once, without failing on each other.
func TestConcurrentOpen(t *testing.T) {
	for kind, dsn := range backends(t) {
		t.Run(kind, func(t *testing.T) {
			if kind == "postgres" {
				dsn = pgtestDSN(t)
			}
			errs := make(chan error, 4)
			for range 4 {
				go func() {
					s, err := Open(context.Background(), dsn)
					if err == nil {
						s.Close()
					}
					errs <- err
				}()
			}
			for range 4 {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	}
}
