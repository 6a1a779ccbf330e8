package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shindan/checks"
	"shindan/reports"
)

// TestFlagAndPolicyValidation: bad values are refused with the flag or the
// policy line and the reason, before the first packet, without dumping the
// help (issue 13 items 3 and 6, issue 14 item 1).
func TestFlagAndPolicyValidation(t *testing.T) {
	dir := t.TempDir()
	policy := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	typo := policy("typo.yaml", "version: 1\nprobe: {helo_name: x.example}\n")
	crlf := policy("crlf.yaml", "version: 1\nprobe:\n  mail_from: \"a@b.example\\r\\nRCPT TO:<v@w.example>\"\n")
	sev := policy("sev.yaml", "version: 1\nseverity:\n  smtp.open-rely: low\n")
	waiver := policy("waiver.yaml", "version: 1\nwaivers:\n  - check: smtp.opne-*\n    target: 198.51.100.1:25\n    reason: r\n    until: 2999-01-01\n")
	key := policy("key.yaml", "version: 1\nservies: []\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"duration without unit", []string{"scan", "--timeout", "5", "198.51.100.1"}, `--timeout: "5" has no unit: write 5s`},
		{"greet timeout without unit", []string{"scan", "--greet-timeout", "30", "198.51.100.1"}, `--greet-timeout: "30" has no unit`},
		{"bad number", []string{"scan", "--rate", "fast", "198.51.100.1"}, `--rate: "fast" is not a whole number`},
		{"empty ports", []string{"scan", "--ports", "", "198.51.100.1"}, "--ports: empty"},
		{"helo CRLF", []string{"scan", "--helo", "a.example\r\nMAIL FROM:<x@y.example>", "198.51.100.1"}, "--helo: control character U+000D"},
		{"helo not a name", []string{"scan", "--helo", "a b", "198.51.100.1"}, "--helo:"},
		{"user agent CRLF", []string{"scan", "--user-agent", "x\r\nX-Injected: 1", "198.51.100.1"}, "--user-agent: control character U+000D"},
		{"user agent NUL", []string{"scan", "--user-agent", "x\x00y", "198.51.100.1"}, "--user-agent: control character U+0000"},
		{"unknown flag suggestion", []string{"scan", "--helo-name", "x", "198.51.100.1"}, "did you mean --helo?"},
		{"policy probe typo", []string{"scan", "--policy", typo, "198.51.100.1"}, `typo.yaml:2: probe: unknown key "helo_name" (did you mean "helo"?)`},
		{"policy CRLF", []string{"scan", "--policy", crlf, "198.51.100.1"}, "crlf.yaml:3: probe.mail_from: control character U+000D"},
		{"policy severity unknown check", []string{"scan", "--policy", sev, "198.51.100.1"}, `sev.yaml:3: severity: no check "smtp.open-rely" (did you mean "smtp.open-relay"?)`},
		{"policy waiver unknown check", []string{"scan", "--policy", waiver, "198.51.100.1"}, `waiver.yaml:3: waivers.check: "smtp.opne-*" matches no check`},
		{"policy key typo", []string{"scan", "--policy", key, "198.51.100.1"}, `key.yaml:2: unknown key "servies" (did you mean "services"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := run(t, context.Background(), tc.args...)
			if code != exitError || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, output:\n%s\nwant exit 2 and %q", code, out, tc.want)
			}
			if strings.Contains(out, "USAGE:") || strings.Contains(out, "policyFile") {
				t.Fatalf("the error dumps the help or names a Go type:\n%s", out)
			}
		})
	}
}

// TestUndecidedExit: a check that could not decide, at or above --fail-on,
// makes the exit status 2 when nothing failed there (a tarpit on 25 must
// not read as a clean run); below the threshold, waived or with
// --fail-on none it does not.
func TestUndecidedExit(t *testing.T) {
	relayErr := reports.Finding{ID: "a", Check: "smtp.open-relay", Target: "198.51.100.1:25", Status: "error", Articles: []string{"59-1"}}
	r := &reports.Report{Findings: []reports.Finding{relayErr}}
	err := undecidedAt(r, "high", nil)
	if exitCode(err) != exitError || !strings.Contains(err.Error(), "smtp.open-relay on 198.51.100.1:25") {
		t.Fatalf("critical check undecided at --fail-on high: %v", err)
	}
	if err := undecidedAt(r, "none", nil); err != nil {
		t.Errorf("--fail-on none: %v", err)
	}
	pol, perr := checks.ParsePolicy("p.yaml", []byte("version: 1\nseverity:\n  smtp.open-relay: low\n"))
	if perr != nil {
		t.Fatal(perr)
	}
	if err := undecidedAt(r, "high", pol); err != nil {
		t.Errorf("severity lowered by policy to low, threshold high: %v", err)
	}
	waived := relayErr
	waived.Waiver = &reports.Waiver{Reason: "r"}
	if err := undecidedAt(&reports.Report{Findings: []reports.Finding{waived}}, "high", nil); err != nil {
		t.Errorf("a waived error: %v", err)
	}
}
