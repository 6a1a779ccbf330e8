package main

import (
	"bytes"
	"strings"
	"testing"

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
	var buf bytes.Buffer
	worse := diffReports(&buf, old, cur)
	got := strings.TrimSpace(buf.String())
	if !worse || got != "~ pass→fail http.exposed-files www.example:80 [/.git/config]" {
		t.Errorf("worse=%v, diff:\n%s", worse, got)
	}
	buf.Reset()
	if diffReports(&buf, cur, cur) || buf.Len() != 0 {
		t.Errorf("grouped report against itself: %q", buf.String())
	}
}
