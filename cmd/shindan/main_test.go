package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run runs the CLI in-process and returns its exit status and what it
// printed to standard output and standard error.
func run(t *testing.T, ctx context.Context, args ...string) (code int, out string) {
	t.Helper()
	r, w, _ := os.Pipe()
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	done := make(chan string)
	go func() { b, _ := io.ReadAll(r); done <- string(b) }()
	app := newApp()
	err := app.RunContext(ctx, interspersed(app, append([]string{"shindan"}, args...)))
	code = exitCode(err)
	w.Close()
	os.Stdout, os.Stderr = oldOut, oldErr
	return code, <-done
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	badPolicy := filepath.Join(dir, "p.yaml")
	os.WriteFile(badPolicy, []byte("version: 1\nservices:\n  - hosts: [198.51.100.0/24]\n    allow: [tcp/0]\n"), 0o644)
	badTargets := filepath.Join(dir, "t.txt")
	os.WriteFile(badTargets, []byte("198.51.100.1\n198.51.100.0/33\n"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no targets", args: []string{"scan"}, want: "no targets"},
		{name: "bad target", args: []string{"scan", "198.51.100.300"}, want: `argument 1: "198.51.100.300"`},
		{name: "bad target file line", args: []string{"scan", "-f", badTargets}, want: "t.txt:2"},
		{name: "bad exclusion", args: []string{"scan", "--exclude", "nope", "198.51.100.1"}, want: "--exclude"},
		{name: "bad policy line", args: []string{"scan", "--policy", badPolicy, "198.51.100.1"}, want: "p.yaml:4"},
		{name: "missing policy", args: []string{"scan", "--policy", filepath.Join(dir, "none.yaml"), "198.51.100.1"}, want: "no such file"},
		{name: "bad ports", args: []string{"scan", "--ports", "70000", "198.51.100.1"}, want: "--ports"},
		{name: "glob matching nothing", args: []string{"scan", "--checks", "smtp.opne-relay", "198.51.100.1"}, want: "matches no check"},
		{name: "bad format", args: []string{"scan", "--format", "docx", "198.51.100.1"}, want: "--format"},
		{name: "bad lang", args: []string{"scan", "--lang", "fr", "198.51.100.1"}, want: "--lang"},
		{name: "bad fail-on", args: []string{"scan", "--fail-on", "severe", "198.51.100.1"}, want: "--fail-on"},
		{name: "bad profile", args: []string{"scan", "--profile", "deep", "198.51.100.1"}, want: "unknown profile"},
		{name: "unknown flag", args: []string{"scan", "--frobnicate", "198.51.100.1"}, want: "frobnicate"},
		{name: "bad article", args: []string{"checks", "--article", "fifty"}, want: "--article"},
		{name: "report without file", args: []string{"report"}, want: "exactly one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := run(t, context.Background(), tc.args...)
			if code != exitError || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output:\n%s\nwant exit 2 and %q", code, out, tc.want)
			}
		})
	}
}

func TestHelpReadsWell(t *testing.T) {
	for _, cmd := range []string{"scan", "report", "diff", "checks", "articles"} {
		code, out := run(t, context.Background(), cmd, "--help")
		if code != 0 || !strings.Contains(out, "USAGE:") || !strings.Contains(out, "DESCRIPTION:") {
			t.Errorf("%s --help: exit %d\n%s", cmd, code, out)
		}
	}
	_, out := run(t, context.Background(), "scan", "--help")
	for _, flag := range []string{"--checks", "--ports", "--profile", "--policy", "--exclude", "--rate", "--concurrency",
		"--timeout", "--format", "--output", "--lang", "--fail-on", "--resolver", "--ca-file", "--iface", "--max-hosts"} {
		if !strings.Contains(out, flag) {
			t.Errorf("scan --help lacks %s", flag)
		}
	}
}

func TestChecksAndArticles(t *testing.T) {
	code, out := run(t, context.Background(), "checks", "--article", "59", "--lang", "en")
	if code != 0 || !strings.Contains(out, "smtp.open-relay") || strings.Contains(out, "dns.zone-transfer") {
		t.Fatalf("checks --article 59: exit %d\n%s", code, out)
	}
	code, out = run(t, context.Background(), "articles", "--lang", "en")
	if code != 0 || !strings.Contains(out, "Art. 59") || !strings.Contains(out, "out of reach") || !strings.Contains(out, "articles are evidenced by checks") {
		t.Fatalf("articles: exit %d\n%s", code, out)
	}
}

func TestReportRerenderAndReject(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.html")
	code, msg := run(t, context.Background(), "report", "../../reports/testdata/full.json", "--format", "html", "--lang", "en", "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "<html") {
		t.Fatal("no HTML written")
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\n  \"schema_version\": \"1\",\n  \"tool\": 5\n}\n"), 0o644)
	code, msg = run(t, context.Background(), "report", bad)
	if code != exitError || !strings.Contains(msg, "line 3") {
		t.Fatalf("malformed report: exit %d, %q; want exit 2 naming line 3", code, msg)
	}
}

func TestDiff(t *testing.T) {
	code, out := run(t, context.Background(), "diff", "--lang", "en", "../../reports/testdata/full.json", "../../reports/testdata/full.json")
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), ": 0 changes") {
		t.Fatalf("a report against itself: exit %d, %q", code, out)
	}
}
