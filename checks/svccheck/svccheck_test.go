package svccheck

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

var (
	legacy = netip.MustParseAddr("198.51.100.10")
	clean  = netip.MustParseAddr("198.51.100.20")
	at     = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
)

func ep(a netip.Addr, port uint16) scanners.Target {
	return scanners.Target{Addr: a, Port: port, Proto: scanners.TCP}
}

func open(a netip.Addr, port uint16) scanners.Observation {
	return scanners.Observation{Probe: scanners.ProbePortTCP, Target: ep(a, port), At: at, Status: scanners.OK,
		Data: &scanners.PortState{Proto: scanners.TCP, Port: port, State: "open", Method: "connect"}}
}

func svc(a netip.Addr, port uint16, s scanners.Service) scanners.Observation {
	s.Proto, s.Port = scanners.TCP, port
	return scanners.Observation{Probe: scanners.ProbeSvcIdent, Target: ep(a, port), At: at, Status: scanners.OK, Data: &s,
		Evidence: []scanners.Evidence{{Kind: "transcript", Data: "S: ..."}}}
}

func failed(probe string, a netip.Addr, port uint16, st scanners.Status) scanners.Observation {
	return scanners.Observation{Probe: probe, Target: ep(a, port), At: at, Status: st, Reason: "svcscan: no reply"}
}

func db(a netip.Addr, port uint16, acc scanners.DBAccess) scanners.Observation {
	return scanners.Observation{Probe: scanners.ProbeSvcDBAuth, Target: ep(a, port), At: at, Status: scanners.OK, Data: &acc}
}

func policy(t *testing.T, y string) *checks.Policy {
	t.Helper()
	p, err := checks.ParsePolicy("test.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// verdict is the comparable part of a finding.
type verdict struct {
	Target, Subject string
	Status          checks.Status
	Severity        checks.Severity
}

func run(t *testing.T, c checks.Check, pol *checks.Policy, obs ...scanners.Observation) []verdict {
	t.Helper()
	// Round-trip through JSON: checks must work on stored observations.
	b, err := json.Marshal(obs)
	if err != nil {
		t.Fatal(err)
	}
	var back []scanners.Observation
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	var out []verdict
	for _, f := range c.Evaluate(&checks.Input{Obs: back, Policy: pol, Now: at}) {
		if f.Check != c.Info().ID || f.Title.JA == "" || f.Title.EN == "" || f.Detail.JA == "" || f.Detail.EN == "" {
			t.Errorf("incomplete finding %+v", f)
		}
		if f.Status == checks.Fail && (f.Remediation.JA == "" || f.Remediation.EN == "") {
			t.Errorf("fail without remediation %+v", f)
		}
		if len(f.Articles) == 0 {
			t.Errorf("no articles %+v", f)
		}
		out = append(out, verdict{f.Target.String(), f.Subject, f.Status, f.Severity})
	}
	return out
}

func same(t *testing.T, got, want []verdict) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d findings %+v, want %+v", len(got), got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("finding %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestExposed(t *testing.T) {
	ports := []scanners.Observation{
		open(legacy, 23), open(legacy, 6379), open(clean, 22), open(clean, 22), // duplicate discovery
		svc(legacy, 23, scanners.Service{Name: "telnet"}), svc(legacy, 6379, scanners.Service{Name: "redis"}),
		svc(clean, 22, scanners.Service{Name: "ssh"}),
	}
	rules := `version: 1
services:
  - hosts: [198.51.100.20]
    allow: [ssh]
  - hosts: [198.51.100.10/32]
    allow: [tcp/23, https]
`
	tests := []struct {
		name string
		pol  *checks.Policy
		obs  []scanners.Observation
		want []verdict
	}{
		{name: "no policy rules: inventory", pol: checks.DefaultPolicy(), obs: ports, want: []verdict{
			{"198.51.100.10:23", "tcp/23", checks.InfoS, checks.None},
			{"198.51.100.10:6379", "tcp/6379", checks.InfoS, checks.None},
			{"198.51.100.20:22", "tcp/22", checks.InfoS, checks.None},
		}},
		{name: "allowed passes, not allowed fails", pol: policy(t, rules), obs: ports, want: []verdict{
			{"198.51.100.10:23", "tcp/23", checks.Pass, checks.None},
			{"198.51.100.10:6379", "tcp/6379", checks.Fail, checks.Medium},
			{"198.51.100.20:22", "tcp/22", checks.Pass, checks.None},
		}},
		{name: "host outside every rule is info", pol: policy(t, "version: 1\nservices:\n  - hosts: [203.0.113.0/25]\n    allow: [tcp/22]\n"),
			obs: ports[:1], want: []verdict{{"198.51.100.10:23", "tcp/23", checks.InfoS, checks.None}}},
		{name: "https alias for a TLS http service", pol: policy(t, rules),
			obs:  []scanners.Observation{open(legacy, 8443), svc(legacy, 8443, scanners.Service{Name: "http", TLS: true})},
			want: []verdict{{"198.51.100.10:8443", "tcp/8443", checks.Pass, checks.None}}},
		{name: "unidentified service against name rules is error", pol: policy(t, rules),
			obs:  []scanners.Observation{open(clean, 2222), failed(scanners.ProbeSvcIdent, clean, 2222, scanners.Timeout)},
			want: []verdict{{"198.51.100.20:2222", "tcp/2222", checks.Error, checks.None}}},
		{name: "unidentified service against port rules fails", pol: policy(t, "version: 1\nservices:\n  - hosts: [198.51.100.10]\n    allow: [tcp/23]\n"),
			obs:  []scanners.Observation{open(legacy, 2222), failed(scanners.ProbeSvcIdent, legacy, 2222, scanners.Timeout)},
			want: []verdict{{"198.51.100.10:2222", "tcp/2222", checks.Fail, checks.Medium}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { same(t, run(t, exposed{}, tc.pol, tc.obs...), tc.want) })
	}
}

func TestCleartextAdmin(t *testing.T) {
	tests := []struct {
		name string
		obs  scanners.Observation
		want checks.Status
	}{
		{"telnet", svc(legacy, 23, scanners.Service{Name: "telnet"}), checks.Fail},
		{"ftp anonymous no tls", svc(legacy, 21, scanners.Service{Name: "ftp", Attrs: map[string]string{"auth-tls": "no", "anonymous": "yes"}}), checks.Fail},
		{"ftp auth tls", svc(legacy, 21, scanners.Service{Name: "ftp", StartTLS: true, Attrs: map[string]string{"auth-tls": "yes"}}), checks.Pass},
		{"rlogin", svc(legacy, 513, scanners.Service{Name: "login", Method: "port"}), checks.Fail},
		{"vnc no tls", svc(legacy, 5900, scanners.Service{Name: "vnc", Attrs: map[string]string{"vnc-tls": "no", "security-types": "2"}}), checks.Fail},
		{"vnc vencrypt", svc(legacy, 5900, scanners.Service{Name: "vnc", Attrs: map[string]string{"vnc-tls": "yes"}}), checks.Pass},
		{"vnc refused before types", svc(legacy, 5900, scanners.Service{Name: "vnc", Attrs: map[string]string{"refused": "too many"}}), checks.Error},
		{"pop3 no stls", svc(legacy, 110, scanners.Service{Name: "pop3"}), checks.Fail},
		{"imap starttls", svc(legacy, 143, scanners.Service{Name: "imap", StartTLS: true}), checks.Pass},
		{"imaps", svc(legacy, 993, scanners.Service{Name: "imap", TLS: true}), checks.Pass},
		{"ssh", svc(clean, 22, scanners.Service{Name: "ssh", Product: "OpenSSH"}), checks.Pass},
		{"telnet port unreadable", failed(scanners.ProbeSvcIdent, legacy, 23, scanners.Timeout), checks.Error},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, cleartextAdmin{}, nil, tc.obs)
			if len(got) != 1 || got[0].Status != tc.want {
				t.Fatalf("got %+v, want %s", got, tc.want)
			}
			if tc.want == checks.Fail && got[0].Severity != checks.High {
				t.Errorf("severity %s", got[0].Severity)
			}
		})
	}
	if got := run(t, cleartextAdmin{}, nil, svc(legacy, 80, scanners.Service{Name: "http"}), failed(scanners.ProbeSvcIdent, legacy, 8080, scanners.Timeout)); len(got) != 0 {
		t.Errorf("unrelated services produced %+v", got)
	}
}

func TestDatabase(t *testing.T) {
	tests := []struct {
		name string
		obs  []scanners.Observation
		want []verdict
	}{
		{name: "redis without auth is critical", obs: []scanners.Observation{
			svc(legacy, 6379, scanners.Service{Name: "redis"}),
			db(legacy, 6379, scanners.DBAccess{Service: "redis", Unauthenticated: true, Command: "INFO server"})},
			want: []verdict{{"198.51.100.10:6379", "tcp/6379", checks.Fail, checks.Critical}}},
		{name: "auth required is still reachable", obs: []scanners.Observation{
			db(legacy, 27017, scanners.DBAccess{Service: "mongodb", AuthRequired: true})},
			want: []verdict{{"198.51.100.10:27017", "tcp/27017", checks.Fail, checks.High}}},
		{name: "identified without dbauth", obs: []scanners.Observation{svc(legacy, 1433, scanners.Service{Name: "mssql"})},
			want: []verdict{{"198.51.100.10:1433", "tcp/1433", checks.Fail, checks.High}}},
		{name: "dbauth could not decide", obs: []scanners.Observation{
			svc(legacy, 6379, scanners.Service{Name: "redis"}), failed(scanners.ProbeSvcDBAuth, legacy, 6379, scanners.Timeout)},
			want: []verdict{{"198.51.100.10:6379", "tcp/6379", checks.Error, checks.None}}},
		{name: "unidentified database port", obs: []scanners.Observation{failed(scanners.ProbeSvcIdent, legacy, 3306, scanners.Timeout)},
			want: []verdict{{"198.51.100.10:3306", "tcp/3306", checks.Error, checks.None}}},
		{name: "host without databases passes", obs: []scanners.Observation{
			svc(clean, 22, scanners.Service{Name: "ssh"}), svc(clean, 443, scanners.Service{Name: "http", TLS: true})},
			want: []verdict{{"198.51.100.20", "", checks.Pass, checks.None}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { same(t, run(t, database{}, nil, tc.obs...), tc.want) })
	}
}

func TestSkew(t *testing.T) {
	local := "2026-11-26T08:00:00.5Z"
	withDate := func(port uint16, date string) scanners.Observation {
		return svc(clean, port, scanners.Service{Name: "http", Date: date, Local: local})
	}
	tests := []struct {
		name string
		pol  *checks.Policy
		obs  []scanners.Observation
		want []checks.Status
	}{
		{"five minutes fast fails", nil, []scanners.Observation{withDate(80, "2026-11-26T08:05:00Z")}, []checks.Status{checks.Fail}},
		{"two minutes slow fails", nil, []scanners.Observation{withDate(80, "2026-11-26T07:58:00Z")}, []checks.Status{checks.Fail}},
		{"within 60s passes", nil, []scanners.Observation{withDate(80, "2026-11-26T08:00:30Z")}, []checks.Status{checks.Pass}},
		{"policy threshold 10m passes", policy(t, "version: 1\nthresholds:\n  clock_skew: 10m\n"),
			[]scanners.Observation{withDate(80, "2026-11-26T08:05:00Z")}, []checks.Status{checks.Pass}},
		{"RFC 1123 date", nil, []scanners.Observation{withDate(80, "Thu, 26 Nov 2026 08:00:10 GMT")}, []checks.Status{checks.Pass}},
		{"unreadable date is error", nil, []scanners.Observation{withDate(80, "yesterday")}, []checks.Status{checks.Error}},
		{"no clock source: no finding", nil, []scanners.Observation{svc(clean, 22, scanners.Service{Name: "ssh"}), failed(scanners.ProbeSvcIdent, clean, 80, scanners.Timeout)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, skew{}, tc.pol, tc.obs...)
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i].Status != tc.want[i] || (got[i].Status == checks.Fail) != (got[i].Severity == checks.Medium) {
					t.Errorf("got %+v, want %s", got[i], tc.want[i])
				}
			}
		})
	}
}

func TestRegistered(t *testing.T) {
	for _, id := range []string{"service.exposed", "service.cleartext-admin", "service.database", "time.skew"} {
		c, ok := checks.Default.Get(id)
		if !ok {
			t.Fatalf("%s not registered", id)
		}
		if !strings.Contains(strings.Join(c.Info().Needs, ","), scanners.ProbeSvcIdent) {
			t.Errorf("%s does not need svc.ident", id)
		}
	}
}
