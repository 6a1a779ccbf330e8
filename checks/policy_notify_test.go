package checks

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestPolicyNotify(t *testing.T) {
	good := `version: 1
notify:
  webhook:
    url: https://hooks.example/shindan?team=ops
    secret_env: SHINDAN_HOOK_KEY
    retries: 2
  jsonl: /var/log/shindan/drift.jsonl
  mail:
    smtp: mx.example:25
    from: Shindan <shindan@example.org>
    to: [ops@example.org, sec@example.org]
    tls_name: mx.example
  heartbeat: true
`
	p, err := ParsePolicy("p.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	n := p.Notify
	if n == nil || n.Webhook == nil || n.Mail == nil {
		t.Fatalf("notify = %+v", n)
	}
	if n.Webhook.URL != "https://hooks.example/shindan?team=ops" || n.Webhook.SecretEnv != "SHINDAN_HOOK_KEY" || n.Webhook.Retries != 2 ||
		n.JSONL != "/var/log/shindan/drift.jsonl" || !n.Heartbeat ||
		n.Mail.SMTP != "mx.example:25" || n.Mail.From != "Shindan <shindan@example.org>" || n.Mail.TLSName != "mx.example" ||
		!slices.Equal(n.Mail.To, []string{"ops@example.org", "sec@example.org"}) {
		t.Errorf("notify parsed as %+v %+v %+v", n, *n.Webhook, *n.Mail)
	}
	p, err = ParsePolicy("p.yaml", []byte("version: 1\nnotify:\n  webhook: {url: 'http://198.51.100.5:8080/h'}\n  mail: {smtp: 'mx.example:587', to: a@example.org}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Notify.Webhook.Retries != 4 || p.Notify.Mail.From != "shindan@localhost" || len(p.Notify.Mail.To) != 1 || p.Notify.Heartbeat {
		t.Errorf("defaults: %+v %+v", *p.Notify.Webhook, *p.Notify.Mail)
	}
	if p, err := ParsePolicy("p.yaml", []byte("version: 1\n")); err != nil || p.Notify != nil {
		t.Errorf("no notify section: %+v, %v", p.Notify, err)
	}

	for _, tc := range []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"typo", "version: 1\nnotify:\n  webhok: {url: 'https://h.example/'}\n", 3, `notify: unknown key "webhok" (did you mean "webhook"?)`},
		{"nested typo", "version: 1\nnotify:\n  webhook:\n    url: https://h.example/\n    secret: abc\n", 5, `notify.webhook: unknown key "secret" (did you mean "secret_env"?)`},
		{"mail typo", "version: 1\nnotify:\n  mail:\n    smtp: mx.example:25\n    too: a@example.org\n", 5, `did you mean "to"?`},
		{"not a mapping", "version: 1\nnotify: yes\n", 2, "notify: must be a mapping"},
		{"ftp url", "version: 1\nnotify:\n  webhook:\n    url: ftp://h.example/\n", 4, "not an http:// or https:// URL"},
		{"url without host", "version: 1\nnotify:\n  webhook:\n    url: 'https:///x'\n", 4, "not an http:// or https:// URL"},
		{"url CRLF", "version: 1\nnotify:\n  webhook:\n    url: \"https://h.example/\\r\\nX-Evil: 1\"\n", 4, "control character"},
		{"no url", "version: 1\nnotify:\n  webhook:\n    retries: 2\n", 3, "url is required"},
		{"retries negative", "version: 1\nnotify:\n  webhook: {url: 'https://h.example/', retries: -1}\n", 3, "0..10"},
		{"retries huge", "version: 1\nnotify:\n  webhook:\n    url: https://h.example/\n    retries: 1000\n", 5, "0..10"},
		{"secret in file", "version: 1\nnotify:\n  webhook:\n    url: https://h.example/\n    secret_env: 's3cr3t!'\n", 5, "not an environment variable name"},
		{"jsonl control", "version: 1\nnotify:\n  jsonl: \"/tmp/a\\nb\"\n", 3, "control character"},
		{"heartbeat bad", "version: 1\nnotify:\n  heartbeat: often\n", 3, "not true or false"},
		{"mail no smtp", "version: 1\nnotify:\n  mail:\n    to: a@example.org\n", 3, "smtp (HOST:PORT) is required"},
		{"mail no to", "version: 1\nnotify:\n  mail:\n    smtp: mx.example:25\n", 3, "to (one or more addresses) is required"},
		{"mail bad port", "version: 1\nnotify:\n  mail:\n    smtp: mx.example:99999\n    to: a@example.org\n", 4, "not HOST:PORT"},
		{"mail no port", "version: 1\nnotify:\n  mail:\n    smtp: mx.example\n    to: a@example.org\n", 4, "not HOST:PORT"},
		{"mail bad to", "version: 1\nnotify:\n  mail:\n    smtp: mx.example:25\n    to:\n      - a@example.org\n      - not an address\n", 7, "not a mail address"},
		{"mail header injection to", "version: 1\nnotify:\n  mail:\n    smtp: mx.example:25\n    to: \"a@example.org\\r\\nBcc: x@evil.example\"\n", 5, "control character"},
		{"mail header injection from", "version: 1\nnotify:\n  mail:\n    smtp: mx.example:25\n    to: a@example.org\n    from: \"s@example.org\\nSubject: x\"\n", 6, "control character"},
		{"twice", "version: 1\nnotify:\n  jsonl: /a\n  jsonl: /b\n", 4, "notify.jsonl: given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePolicy("p.yaml", []byte(tc.yaml))
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PolicyError", err)
			}
			if pe.Line != tc.line || !strings.Contains(pe.Msg, tc.want) {
				t.Fatalf("err = %q (line %d), want line %d containing %q", err, pe.Line, tc.line, tc.want)
			}
		})
	}
}
