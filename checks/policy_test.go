package checks

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/scanners"
)

const goodPolicy = `version: 1
name: example-agency
government_suffixes: [go.jp, lg.jp]
tls: {setting_type: high_security}
thresholds:
  cert_expiry_days: 45
  clock_skew: 2m
  amplification_factor: 5
services:
  - hosts: [198.51.100.0/24, mail.example.go.jp]
    allow: [tcp/25, tcp/443, ssh, udp/53]
  - hosts: 2001:db8:100::10
    allow: tcp/80
  - hosts: [203.0.113.50-59]
    allow: [tcp/8080]
ipv4_only_segments: [203.0.113.0/25]
allowed_routers: [fe80::1]
dkim_selectors: [s2026]
severity:
  service.cleartext-admin: critical
probe: {helo: scanner.example.go.jp}
waivers:
  - check: service.database
    target: 198.51.100.10:6379
    reason: decommissioned in March
    until: 2027-03-31
    by: CISO
  - finding: F0123
    reason: accepted risk
    until: 2026-01-01
`

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy("p.yaml", []byte(goodPolicy))
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "example-agency" || p.TLSSettingType != "high_security" || p.CertExpiryDays != 45 ||
		p.ClockSkew != 2*time.Minute || p.AmplificationMax != 5 || len(p.GovernmentSuffixes) != 2 ||
		p.Probe.SMTP.HELO != "scanner.example.go.jp" || !strings.HasPrefix(p.Digest, "sha256:") {
		t.Fatalf("policy %+v", p)
	}
	a := netip.MustParseAddr("198.51.100.7")
	if ok, covered := p.Allowed(a, nil, "tcp", 25, "smtp"); !ok || !covered {
		t.Error("tcp/25 should be allowed on the /24")
	}
	if ok, _ := p.Allowed(a, nil, "tcp", 22, "ssh"); !ok {
		t.Error("ssh allowed by service name")
	}
	if ok, covered := p.Allowed(a, nil, "tcp", 6379, "redis"); ok || !covered {
		t.Error("redis must not be allowed, but the host is covered")
	}
	if ok, covered := p.Allowed(netip.MustParseAddr("203.0.113.9"), []string{"MAIL.example.go.jp."}, "tcp", 25, ""); !ok || !covered {
		t.Error("name match must be case- and dot-insensitive")
	}
	if _, covered := p.Allowed(netip.MustParseAddr("203.0.113.9"), nil, "tcp", 25, ""); covered {
		t.Error("an address outside every rule is not covered")
	}
	if ok, _ := p.Allowed(netip.MustParseAddr("203.0.113.55"), nil, "tcp", 8080, ""); !ok {
		t.Error("range pattern must match inside the range")
	}
	if _, covered := p.Allowed(netip.MustParseAddr("203.0.113.60"), nil, "tcp", 8080, ""); covered {
		t.Error("range pattern must not match past its end")
	}
	if p.SeverityFor("service.cleartext-admin", High) != Critical || p.SeverityFor("service.database", High) != High {
		t.Error("severity override")
	}
	day := time.Date(2027, 3, 31, 23, 0, 0, 0, time.UTC)
	if w := p.WaiverFor("x", "service.database", "198.51.100.10:6379", day); w == nil || w.By != "CISO" {
		t.Error("waiver must hold through its last day")
	}
	if w := p.WaiverFor("x", "service.database", "198.51.100.10:6379", day.Add(2*time.Hour)); w != nil {
		t.Error("an expired waiver must not apply")
	}
	if w := p.WaiverFor("F0123", "any.check", "t", day); w != nil {
		t.Error("the finding waiver expired in 2026")
	}
}

func TestParsePolicyErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"unknown key", "version: 1\nservise: []\n", 2, "servise"},
		{"wrong version", "version: 2\n", 1, "version"},
		{"no version", "name: x\n", 0, "version"},
		{"empty", "", 0, "empty"},
		{"bad yaml", "version: 1\nservices: [\n", 2, ""},
		{"numeric name", "version: 1\nservices:\n  - hosts: [198.51.100.300]\n    allow: [ssh]\n", 3, "not an address"},
		{"backwards range", "version: 1\nservices:\n  - hosts: [198.51.100.59-50]\n    allow: [ssh]\n", 3, "range"},
		{"bad cidr", "version: 1\nservices:\n  - hosts: [198.51.100.0/33]\n    allow: [ssh]\n", 3, "CIDR"},
		{"bad port", "version: 1\nservices:\n  - hosts: [198.51.100.0/24]\n    allow:\n      - tcp/22\n      - tcp/99999\n", 6, "tcp/99999"},
		{"rule without hosts", "version: 1\nservices:\n  - allow: [ssh]\n", 0, "needs hosts"},
		{"bad setting type", "version: 1\ntls: {setting_type: strong}\n", 2, "setting_type"},
		{"bad skew", "version: 1\nthresholds: {clock_skew: soon}\n", 2, "clock_skew"},
		{"bad severity", "version: 1\nseverity:\n  service.database: urgent\n", 3, "urgent"},
		{"bad severity key", "version: 1\nseverity:\n  Database: high\n", 3, "check ID"},
		{"waiver without reason", "version: 1\nwaivers:\n  - check: service.database\n    target: x\n    until: 2027-01-01\n", 3, "reason"},
		{"waiver bad date", "version: 1\nwaivers:\n  - finding: F1\n    reason: r\n    until: 31/03/2027\n", 3, "date"},
		{"waiver unknown field", "version: 1\nwaivers:\n  - finding: F1\n    reason: r\n    until: 2027-01-01\n    owner: me\n", 6, "owner"},
		{"waiver no subject", "version: 1\nwaivers:\n  - reason: r\n    until: 2027-01-01\n", 3, "finding ID"},
		{"v6 segment", "version: 1\nipv4_only_segments: [2001:db8::/64]\n", 2, "IPv4 CIDR"},
		{"two documents", "version: 1\n---\nversion: 1\n", 2, "more than one"},
		{"wrong type", "version: 1\ngovernment_suffixes: 5\n", 2, "government_suffixes: got \"5\", expected a list"},
		// issue 13/14: keys in the file's terms with a suggestion, never a Go type.
		{"typo names the key", "version: 1\nservies: []\n", 2, `unknown key "servies" (did you mean "services"?)`},
		{"nested typo", "version: 1\nthresholds:\n  cert_expiry: 3\n", 3, `thresholds: unknown key "cert_expiry" (did you mean "cert_expiry_days"?)`},
		{"bad number", "version: 1\nthresholds:\n  cert_expiry_days: soon\n", 3, `thresholds.cert_expiry_days: got "soon", expected an integer`},
		{"probe typo", "version: 1\nprobe: {helo_name: x}\n", 2, `probe: unknown key "helo_name" (did you mean "helo"?)`},
		{"probe typo block", "version: 1\nprobe:\n  helo: a.example\n  mail_frm: a@b.example\n", 4, `did you mean "mail_from"?`},
		{"probe CRLF helo", "version: 1\nprobe:\n  helo: \"a.example\\r\\nMAIL FROM:<x@y>\"\n", 3, "probe.helo: control character U+000D"},
		{"probe CRLF mail_from", "version: 1\nprobe:\n  mail_from: \"a@b.example\\r\\nRCPT TO:<v@w>\"\n", 3, "probe.mail_from: control character"},
		{"probe NUL user agent", "version: 1\nprobe:\n  user_agent: \"x\\0y\"\n", 3, "probe.user_agent: control character U+0000"},
		{"probe DEL rcpt", "version: 1\nprobe:\n  rcpt_to: \"a\\x7f@b.example\"\n", 3, "control character U+007F"},
		{"probe bad mailbox", "version: 1\nprobe:\n  mail_from: <a@b>\n", 3, "not a mailbox"},
		{"probe bad duration", "version: 1\nprobe:\n  greet_timeout: 30\n", 3, `probe.greet_timeout: "30" has no unit`},
		{"probe bad int", "version: 1\nprobe:\n  tls.parallel: 99\n", 3, "1..32"},
		{"probe bad bool", "version: 1\nprobe:\n  smtp_relay: maybe\n", 3, "on or off"},
		{"probe not a mapping", "version: 1\nprobe: [helo]\n", 2, "probe: must map"},
		{"probe list for scalar", "version: 1\nprobe:\n  helo: [a, b]\n", 3, "single value"},
		{"probe twice", "version: 1\nprobe:\n  helo: a.example\n  helo: b.example\n", 4, "twice"},
		{"bad dkim selector", "version: 1\ndkim_selectors: [\"a b\"]\n", 2, "DKIM selector"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePolicy("p.yaml", []byte(tc.yaml))
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PolicyError", err)
			}
			if pe.Line != tc.line || !strings.Contains(pe.Msg, tc.want) || !strings.HasPrefix(err.Error(), "policy p.yaml") {
				t.Fatalf("err = %q (line %d), want line %d containing %q", err, pe.Line, tc.line, tc.want)
			}
		})
	}
}

func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(goodPolicy))
	f.Add([]byte("version: 1\nservices:\n  - hosts: x\n    allow: y\n"))
	f.Add([]byte("version: 1\nwaivers: [{finding: a, reason: b, until: 2027-01-01}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePolicy("fuzz.yaml", b)
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) || pe.File != "fuzz.yaml" {
				t.Fatalf("error %T %v is not a *PolicyError naming the file", err, err)
			}
			return
		}
		if p.CertExpiryDays < 0 || p.ClockSkew <= 0 || p.TLSSettingType == "" {
			t.Fatalf("accepted policy with invalid values: %+v", p)
		}
		s := p.Probe.SMTP
		for _, v := range []string{s.HELO, s.MailFrom, s.RcptTo, s.MailDomain, p.Probe.HTTP.UserAgent, p.Probe.DNS.ProbeName} {
			if scanners.CheckWire(v) != nil {
				t.Fatalf("accepted a probe value with a control character: %q", v)
			}
		}
		for _, w := range p.Waivers {
			if w.Reason == "" || w.Until.IsZero() {
				t.Fatalf("accepted waiver without reason or date: %+v", w)
			}
		}
	})
}

func TestPolicyProbeSettings(t *testing.T) {
	p, err := ParsePolicy("p.yaml", []byte(`version: 1
dkim_selectors: [s2026]
probe:
  helo: "[192.0.2.7]"
  mail_from: probe@scanner.example.go.jp
  rcpt_to: relay-test@example.invalid
  smtp_relay: off
  greet_timeout: 45s
  resolver_probe_name: www.broken.example
  resolver_probe_expect: 198.51.100.1, 2001:db8::1
  dns_zones: [example.jp, example.go.jp]
  tls.parallel: 4
  intrusive: false
  user_agent: shindan (contact soc@example.go.jp)
`))
	if err != nil {
		t.Fatal(err)
	}
	s := p.Probe
	if s.SMTP.HELO != "[192.0.2.7]" || s.SMTP.MailFrom != "probe@scanner.example.go.jp" || !s.SMTP.NoRelay ||
		s.SMTP.GreetTimeout != 45*time.Second || s.DNS.ProbeName != "www.broken.example" || len(s.DNS.ProbeExpect) != 2 ||
		len(s.DNS.Zones) != 2 || s.TLS.Parallel != 4 || s.Nuclei.Intrusive || s.HTTP.UserAgent != "shindan (contact soc@example.go.jp)" ||
		len(s.Mail.DKIMSelectors) != 1 || s.Mail.DKIMSelectors[0] != "s2026" {
		t.Fatalf("probe settings %+v", s)
	}
	// The command line wins where it says something.
	cli := scanners.Settings{SMTP: scanners.SMTPSettings{HELO: "cli.example"}}
	if got := s.Over(cli); got.SMTP.HELO != "cli.example" || got.SMTP.MailFrom != s.SMTP.MailFrom {
		t.Fatalf("Over: %+v", got.SMTP)
	}
}

func TestValidateCheckIDs(t *testing.T) {
	known := []string{"service.database", "smtp.open-relay", "tls.protocols"}
	for _, tc := range []struct {
		yaml string
		line int
		want string
	}{
		{"version: 1\nseverity:\n  smtp.open-relay: low\n  smtp.open-rely: high\n", 4, `severity: no check "smtp.open-rely" (did you mean "smtp.open-relay"?)`},
		{"version: 1\nwaivers:\n  - check: servce.*\n    target: x\n    reason: r\n    until: 2027-01-01\n", 3, `waivers.check: "servce.*" matches no check`},
	} {
		p, err := ParsePolicy("p.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		err = p.ValidateCheckIDs(known)
		var pe *PolicyError
		if !errors.As(err, &pe) || pe.Line != tc.line || !strings.Contains(pe.Msg, tc.want) {
			t.Errorf("err = %v, want line %d with %q", err, tc.line, tc.want)
		}
	}
	p, _ := ParsePolicy("p.yaml", []byte("version: 1\nseverity:\n  tls.protocols: low\nwaivers:\n  - check: service.*\n    target: x\n    reason: r\n    until: 2027-01-01\n"))
	if err := p.ValidateCheckIDs(known); err != nil {
		t.Errorf("valid IDs rejected: %v", err)
	}
}
