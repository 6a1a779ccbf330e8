package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"shindan/checks"
	"shindan/internal/drift"
)

// notifiersFor parses sweep's flags and builds its alert channels.
func notifiersFor(t *testing.T, args ...string) ([]drift.Notifier, bool, error) {
	t.Helper()
	cmd := sweepCommand()
	var got []drift.Notifier
	var heartbeat bool
	var err error
	cmd.Action = func(c *cli.Context) error {
		var pol *checks.Policy
		if f := c.String("policy"); f != "" {
			if pol, err = checks.LoadPolicy(f); err != nil {
				return nil
			}
		}
		got, heartbeat, err = sweepNotifiers(c, pol)
		return nil
	}
	app := &cli.App{Commands: []*cli.Command{cmd}, ExitErrHandler: func(*cli.Context, error) {}}
	if rerr := app.Run(append([]string{"shindan", "sweep"}, args...)); rerr != nil {
		t.Fatal(rerr)
	}
	return got, heartbeat, err
}

func TestSweepNotifiersFromPolicy(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "p.yaml")
	os.WriteFile(pol, []byte(`version: 1
notify:
  webhook:
    url: https://hooks.example/shindan
    secret_env: SHINDAN_TEST_SECRET
    retries: 2
  jsonl: `+filepath.Join(dir, "policy.jsonl")+`
  mail:
    smtp: 198.51.100.25:25
    from: shindan@example.org
    to: [ops@example.org]
    tls_name: mx.example
  heartbeat: true
`), 0o644)
	t.Setenv("SHINDAN_TEST_SECRET", "from-env")

	ns, hb, err := notifiersFor(t, "--policy", pol)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 3 || !hb {
		t.Fatalf("%d channels, heartbeat %v", len(ns), hb)
	}
	w, j, m := ns[0].(*drift.Webhook), ns[1].(*drift.JSONL), ns[2].(*drift.Mail)
	if w.URL != "https://hooks.example/shindan" || w.Secret != "from-env" || w.Attempts != 3 ||
		j.Path != filepath.Join(dir, "policy.jsonl") ||
		m.Server != "198.51.100.25:25" || m.From != "shindan@example.org" || m.ServerName != "mx.example" || strings.Join(m.To, ",") != "ops@example.org" {
		t.Errorf("from the policy: %+v %+v %+v", w, j, m)
	}

	// Each flag replaces the policy's channel of its kind.
	ns, _, err = notifiersFor(t, "--policy", pol, "--webhook", "http://198.51.100.80/h", "--jsonl", filepath.Join(dir, "flag.jsonl"),
		"--smtp", "198.51.100.26:587", "--mail-to", "sec@example.org")
	if err != nil {
		t.Fatal(err)
	}
	w, j, m = ns[0].(*drift.Webhook), ns[1].(*drift.JSONL), ns[2].(*drift.Mail)
	if w.URL != "http://198.51.100.80/h" || w.Secret != "" || j.Path != filepath.Join(dir, "flag.jsonl") ||
		m.Server != "198.51.100.26:587" || strings.Join(m.To, ",") != "sec@example.org" || m.From != "shindan@localhost" {
		t.Errorf("flags over the policy: %+v %+v %+v", w, j, m)
	}

	os.Unsetenv("SHINDAN_TEST_SECRET")
	if _, _, err := notifiersFor(t, "--policy", pol); err == nil || !strings.Contains(err.Error(), "SHINDAN_TEST_SECRET is not set") {
		t.Errorf("secret variable unset: %v", err)
	}
	for _, bad := range [][]string{
		{"--webhook", "ftp://h.example/"},
		{"--webhook", "https://h.example/\r\nX-Injected: 1"},
		{"--jsonl", "/tmp/a\nb"},
		{"--smtp", "198.51.100.25:25", "--mail-to", "ops@example.org\r\nBcc: x@evil.example"},
		{"--smtp", "198.51.100.25:25", "--mail-to", "ops@example.org", "--mail-from", "a@example.org\nSubject: x"},
		{"--smtp", "198.51.100.25", "--mail-to", "ops@example.org"},
		{"--smtp", "198.51.100.25:25"},
		{"--smtp", "198.51.100.25:25", "--mail-to", "ops@example.org", "--helo", "a\r\nRSET"},
	} {
		if _, _, err := notifiersFor(t, bad...); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
}
