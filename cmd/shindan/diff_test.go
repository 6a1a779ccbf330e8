package main

import (
	"bytes"
	"strings"
	"testing"

	"shindan/internal/drift"
	"shindan/reports"
)

func subjects(status ...string) []reports.Finding {
	var fs []reports.Finding
	for i, st := range status {
		s := []string{"/.env", "/.git/config", "/robots.txt"}[i]
		fs = append(fs, reports.Finding{
			ID: reports.FindingID("http.exposed-files", "www.example:80", s), Check: "http.exposed-files",
			Articles: []string{"61-1-3"}, Target: "www.example:80", Subject: s, Status: st, Severity: "high",
			Title: &reports.Text{JA: "公開ファイル", EN: "Exposed file"},
		})
	}
	return fs
}

// TestDiffGroupedAgainstUngrouped: a grouped report diffs per subject
// against an older ungrouped one; only the subject that changed shows.
func TestDiffGroupedAgainstUngrouped(t *testing.T) {
	old := &reports.Report{Findings: subjects("fail", "pass", "pass")}
	cur := &reports.Report{Findings: reports.Group(subjects("fail", "fail", "pass"), nil)}
	if len(cur.Findings) != 1 || len(cur.Findings[0].Items) != 3 {
		t.Fatalf("fixture not grouped: %+v", cur.Findings)
	}
	d := drift.Compare(old, cur, drift.Options{})
	var buf bytes.Buffer
	d.WriteText(&buf, "en")
	got := strings.TrimSpace(buf.String())
	want := reports.FindingID("http.exposed-files", "www.example:80", "/.git/config")
	if len(d.Changes) != 1 || d.Changes[0].Finding != want || len(d.Regressions("high")) != 1 ||
		!strings.HasSuffix(got, "verdict regression: www.example:80 http.exposed-files (high) pass → fail [/.git/config] — Exposed file") {
		t.Errorf("diff:\n%s", got)
	}
	if d := drift.Compare(cur, cur, drift.Options{}); len(d.Changes) != 0 {
		t.Errorf("grouped report against itself: %+v", d.Changes)
	}
}
