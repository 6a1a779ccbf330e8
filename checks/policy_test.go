package checks

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
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
		p.Probe["helo"] != "scanner.example.go.jp" || !strings.HasPrefix(p.Digest, "sha256:") {
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
		{"wrong version", "version: 2\n", 0, "version"},
		{"no version", "name: x\n", 0, "version"},
		{"empty", "", 0, "empty"},
		{"bad yaml", "version: 1\nservices: [\n", 2, ""},
		{"numeric name", "version: 1\nservices:\n  - hosts: [198.51.100.300]\n    allow: [ssh]\n", 3, "not an address"},
		{"backwards range", "version: 1\nservices:\n  - hosts: [198.51.100.59-50]\n    allow: [ssh]\n", 3, "range"},
		{"bad cidr", "version: 1\nservices:\n  - hosts: [198.51.100.0/33]\n    allow: [ssh]\n", 3, "CIDR"},
		{"bad port", "version: 1\nservices:\n  - hosts: [198.51.100.0/24]\n    allow:\n      - tcp/22\n      - tcp/99999\n", 6, "tcp/99999"},
		{"rule without hosts", "version: 1\nservices:\n  - allow: [ssh]\n", 0, "needs hosts"},
		{"bad setting type", "version: 1\ntls: {setting_type: strong}\n", 0, "setting_type"},
		{"bad skew", "version: 1\nthresholds: {clock_skew: soon}\n", 0, "clock_skew"},
		{"bad severity", "version: 1\nseverity:\n  service.database: urgent\n", 3, "urgent"},
		{"bad severity key", "version: 1\nseverity:\n  Database: high\n", 3, "check ID"},
		{"waiver without reason", "version: 1\nwaivers:\n  - check: service.database\n    target: x\n    until: 2027-01-01\n", 3, "reason"},
		{"waiver bad date", "version: 1\nwaivers:\n  - finding: F1\n    reason: r\n    until: 31/03/2027\n", 3, "date"},
		{"waiver unknown field", "version: 1\nwaivers:\n  - finding: F1\n    reason: r\n    until: 2027-01-01\n    owner: me\n", 6, "owner"},
		{"waiver no subject", "version: 1\nwaivers:\n  - reason: r\n    until: 2027-01-01\n", 3, "finding ID"},
		{"v6 segment", "version: 1\nipv4_only_segments: [2001:db8::/64]\n", 2, "IPv4 CIDR"},
		{"two documents", "version: 1\n---\nversion: 1\n", 2, "more than one"},
		{"wrong type", "version: 1\ngovernment_suffixes: 5\n", 2, ""},
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
		for _, w := range p.Waivers {
			if w.Reason == "" || w.Until.IsZero() {
				t.Fatalf("accepted waiver without reason or date: %+v", w)
			}
		}
	})
}
