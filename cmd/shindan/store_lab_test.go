//go:build netlab

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"shindan/internal/netlab"
	"shindan/internal/store"
)

// TestLabKillMidScan runs 'shindan scan --store' as a real process against
// two lab hosts one after the other, kills it with SIGKILL once the first
// host's findings are in the store, and checks that the store kept every
// one of them and marks the scan incomplete.
func TestLabKillMidScan(t *testing.T) {
	lab := netlab.Require(t)
	clean, mx := lab.Host("clean"), lab.Host("mailgood")
	dir := t.TempDir()
	db := filepath.Join(dir, "kill.db")
	cmd := exec.Command(os.Args[0], "scan", "--store", db, "--no-progress", "--hosts", "1", "--ports", "1-30000",
		"--format", "json", "-o", filepath.Join(dir, "r.json"), "--fail-on", "none",
		clean.IPv4.String(), mx.IPv4.String(), mx.IPv6.String())
	cmd.Env = append(os.Environ(), "SHINDAN_TEST_AS_CLI=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ctx := context.Background()
	var seen map[string]bool
	var scanID string
	deadline := time.Now().Add(2 * time.Minute)
	for seen == nil {
		select {
		case err := <-exited:
			t.Fatalf("the scan ended (%v) before any findings were seen in the store; make it longer", err)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no findings in the store after 2 minutes")
		}
		if _, err := os.Stat(db); err != nil {
			continue
		}
		st, err := store.Open(ctx, db)
		if err != nil {
			continue
		}
		scans, _ := st.History(ctx, store.Filter{})
		if len(scans) == 1 && scans[0].Findings > 0 && !scans[0].Complete {
			r, _, err := st.Report(ctx, scans[0].ID)
			if err == nil {
				scanID, seen = r.Scan.ID, map[string]bool{}
				for _, f := range r.Findings {
					seen[f.ID] = true
				}
			}
		}
		st.Close()
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, _, err := st.Report(ctx, scanID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scan.Complete || r.Scan.InterruptedReason == "" {
		t.Errorf("killed scan: complete=%v reason=%q", r.Scan.Complete, r.Scan.InterruptedReason)
	}
	kept := map[string]bool{}
	for _, f := range r.Findings {
		kept[f.ID] = true
	}
	for id := range seen {
		if !kept[id] {
			t.Errorf("finding %s was in the store before the kill and is gone", id)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "r.json")); err == nil {
		t.Error("a report file exists: the scan was not killed mid-way")
	}
	t.Logf("killed scan %s: %d findings seen before the kill, %d kept", scanID, len(seen), len(r.Findings))
}
