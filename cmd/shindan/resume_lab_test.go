//go:build netlab

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"shindan/internal/netlab"
	"shindan/internal/store"
	"shindan/reports"
)

// TestLabResumeFromStore kills a real 'shindan scan --store' with SIGKILL
// after its first host is recorded finished, continues it with
// 'scan --store DSN --resume SCAN-ID' (no JSONL stream) and expects the
// findings of an uninterrupted scan of the same hosts, the finished host
// not scanned again, and the stored scan complete and marked resumed.
func TestLabResumeFromStore(t *testing.T) {
	lab := netlab.Require(t)
	clean, mx := lab.Host("clean"), lab.Host("mailgood")
	targets := []string{clean.IPv4.String(), mx.IPv4.String(), mx.IPv6.String()}
	dir := t.TempDir()
	ctx := context.Background()
	scanArgs := func(db string) []string {
		return []string{"scan", "--store", db, "--no-progress", "--hosts", "1", "--ports", "1-30000", "--fail-on", "none"}
	}

	// The uninterrupted reference.
	ref := filepath.Join(dir, "ref.json")
	if code, out := run(t, ctx, append(append(scanArgs(filepath.Join(dir, "ref.db")), "--format", "json", "-o", ref), targets...)...); code != 0 {
		t.Fatalf("reference scan: exit %d\n%s", code, out)
	}
	want, err := loadReport(ref)
	if err != nil {
		t.Fatal(err)
	}

	// The interrupted run, killed once a host is recorded done.
	db := filepath.Join(dir, "resume.db")
	cmd := exec.Command(os.Args[0], append(append(scanArgs(db), "--format", "json", "-o", filepath.Join(dir, "killed.json")), targets...)...)
	cmd.Env = append(os.Environ(), "SHINDAN_TEST_AS_CLI=1")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var scanID string
	var unitsBefore int
	deadline := time.Now().Add(2 * time.Minute)
	for scanID == "" {
		select {
		case err := <-exited:
			t.Fatalf("the scan ended (%v) before a host was recorded done", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no finished host in the store after 2 minutes")
		}
		st, err := store.Open(ctx, db)
		if err != nil {
			continue
		}
		if scans, _ := st.History(ctx, store.Filter{}); len(scans) == 1 {
			if res, err := st.ResumeState(ctx, scans[0].ID); err == nil && len(res.Units) > 0 {
				scanID, unitsBefore = scans[0].ID, len(res.Units)
			}
		}
		st.Close()
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	if unitsBefore >= len(targets) {
		t.Fatalf("all %d hosts were done before the kill; nothing left to resume", unitsBefore)
	}

	// Resume from the store alone.
	out := filepath.Join(dir, "resumed.json")
	code, log := run(t, ctx, append(append(scanArgs(db), "--resume", scanID, "--log-level", "info", "--format", "json", "-o", out), targets...)...)
	if code != 0 {
		t.Fatalf("resumed scan: exit %d\n%s", code, log)
	}
	m := regexp.MustCompile(`resuming .*hosts_done=(\d+)`).FindStringSubmatch(log)
	if m == nil || m[1] == "0" {
		t.Errorf("the resumed run took over no finished host:\n%s", log)
	}
	got, err := loadReport(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.Scan.ID != scanID || got.Scan.ResumedFrom != scanID || !got.Scan.Complete {
		t.Errorf("resumed scan: id %s resumed_from %q complete %v, want %s", got.Scan.ID, got.Scan.ResumedFrom, got.Scan.Complete, scanID)
	}
	if g, w := verdictKeys(got), verdictKeys(want); g != w {
		t.Errorf("resumed findings\n%s\nwant (uninterrupted)\n%s", g, w)
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored, _, err := st.Report(ctx, scanID)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.Scan.Complete || stored.Scan.ResumedFrom != scanID || verdictKeys(stored) != verdictKeys(want) {
		t.Errorf("stored resumed scan: complete %v resumed_from %q, findings\n%s", stored.Scan.Complete, stored.Scan.ResumedFrom, verdictKeys(stored))
	}
	if scans, _ := st.History(ctx, store.Filter{}); len(scans) != 1 {
		t.Errorf("%d scans in the store, want the one resumed", len(scans))
	}
	t.Logf("scan %s: %d of %d hosts done before the kill; %d findings after resuming", scanID, unitsBefore, len(targets), len(got.Findings))
}

// verdictKeys lists each finding subject's ID, check, target and status.
func verdictKeys(r *reports.Report) string {
	var ks []string
	for _, f := range reports.Flatten(r.Findings) {
		ks = append(ks, f.ID+" "+f.Check+" "+f.Target+" "+f.Status)
	}
	slices.Sort(ks)
	return strings.Join(ks, "\n")
}
