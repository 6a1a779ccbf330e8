package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Without chromium a PDF scan stops before the first packet and says what
// to install.
func TestPDFNeedsChromium(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, args := range [][]string{
		{"scan", "--format", "json,pdf", "-o", t.TempDir(), "198.51.100.1"},
		{"report", "../../reports/testdata/full.json", "--format", "pdf", "-o", filepath.Join(t.TempDir(), "r.pdf")},
	} {
		code, out := run(t, context.Background(), args...)
		if code != exitError || !strings.Contains(out, "apt-get install chromium fonts-noto-cjk") {
			t.Errorf("%v: %d %s", args, code, out)
		}
	}
}

func TestReportSplit(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tickets")
	code, out := run(t, context.Background(), "report", "../../reports/testdata/full.json", "--split", dir, "--lang", "en")
	if code != 0 || !strings.Contains(out, filepath.Join(dir, "index.md")) {
		t.Fatalf("split: %d %s", code, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Five fails and warns in the fixture, and the index.
	if len(entries) != 6 {
		t.Errorf("%d files, want 6", len(entries))
	}
	b, err := os.ReadFile(filepath.Join(dir, "001-smtp.open-relay-198.51.100.25-25.md"))
	if err != nil || !strings.HasPrefix(string(b), "# \\[critical\\] Open mail relay — 198.51.100.25:25") {
		t.Errorf("first ticket: %v %.80q", err, b)
	}
	if code, out := run(t, context.Background(), "report", "../../reports/testdata/full.json", "--split", dir); code != exitError || !strings.Contains(out, "--force") {
		t.Errorf("second split without --force: %d %s", code, out)
	}
	if code, out := run(t, context.Background(), "report", "../../reports/testdata/full.json", "--split", dir, "--force", "--lang", "ja"); code != 0 {
		t.Errorf("split --force: %d %s", code, out)
	}
	if code, out := run(t, context.Background(), "report", "../../reports/testdata/full.json", "--split", dir, "--format", "html"); code != exitError || !strings.Contains(out, "--split") {
		t.Errorf("split with html: %d %s", code, out)
	}
}
