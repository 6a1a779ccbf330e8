//go:build netlab

package svcscan_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"shindan/checks"
	_ "shindan/checks/svccheck"
	"shindan/internal/netlab"
	"shindan/scanners"
	"shindan/scanners/svcscan"
)

// labScan identifies every declared TCP port of a lab host on each of its
// addresses and runs svc.dbauth where svc.ident found a database, as the
// engine would. It returns discovery-like port observations too.
func labScan(t *testing.T, h netlab.Host) []scanners.Observation {
	t.Helper()
	env := &scanners.Env{IOTimeout: 3 * time.Second}
	var all []scanners.Observation
	for _, a := range h.Addrs() {
		var prior []scanners.Observation
		env.Prior = func(id string, t scanners.Target) []scanners.Observation { return prior }
		for _, p := range h.PortsOf("tcp") {
			tg := scanners.Target{Addr: a, Port: p, Proto: scanners.TCP}
			all = append(all, scanners.Observation{Probe: scanners.ProbePortTCP, Target: tg, At: time.Now(), Status: scanners.OK,
				Data: &scanners.PortState{Proto: scanners.TCP, Port: p, State: "open", Method: "connect"}})
			obs, err := svcscan.IdentProbe{}.Run(context.Background(), env, tg)
			if err != nil {
				t.Fatal(err)
			}
			prior = append(prior, obs...)
			all = append(all, obs...)
			s, ok := obs[0].Data.(*scanners.Service)
			if !ok {
				t.Fatalf("%s: %s %s\n%s", tg, obs[0].Status, obs[0].Reason, obs[0].Evidence[0].Data)
			}
			t.Logf("%s: %+v", tg, *s)
			if s.Wanted(svcscan.DBAuthProbe{}.Info().Services) {
				db, err := svcscan.DBAuthProbe{}.Run(context.Background(), env, tg)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, db...)
			}
		}
	}
	return all
}

func byEndpoint(obs []scanners.Observation, probe string, a netip.Addr, port uint16) scanners.Observation {
	for _, o := range obs {
		if o.Probe == probe && o.Target.Addr == a && o.Target.Port == port {
			return o
		}
	}
	return scanners.Observation{}
}

func evaluate(t *testing.T, id string, obs []scanners.Observation) []checks.Finding {
	t.Helper()
	c, ok := checks.Default.Get(id)
	if !ok {
		t.Fatalf("%s not registered", id)
	}
	var in []scanners.Observation
	for _, o := range obs {
		for _, n := range c.Info().Needs {
			if o.Probe == n {
				in = append(in, o)
			}
		}
	}
	return c.Evaluate(&checks.Input{Obs: in, Policy: checks.DefaultPolicy(), Now: time.Now()})
}

func TestLabLegacy(t *testing.T) {
	lab := netlab.Require(t)
	h := lab.Host("legacy")
	obs := labScan(t, h)
	for _, a := range h.Addrs() {
		svc := func(port uint16) *scanners.Service {
			o := byEndpoint(obs, scanners.ProbeSvcIdent, a, port)
			s, ok := o.Data.(*scanners.Service)
			if !ok {
				t.Fatalf("%s port %d: %s %s", a, port, o.Status, o.Reason)
			}
			return s
		}
		if s := svc(23); s.Name != "telnet" {
			t.Errorf("%s:23 %+v", a, *s)
		}
		if s := svc(21); s.Name != "ftp" || s.Product != "vsftpd" || s.Attrs["anonymous"] != "yes" || s.Attrs["auth-tls"] != "no" {
			t.Errorf("%s:21 %+v", a, *s)
		}
		if s := svc(6379); s.Name != "redis" || s.Version == "" {
			t.Errorf("%s:6379 %+v", a, *s)
		}
		if s := svc(11211); s.Name != "memcached" || s.Version == "" {
			t.Errorf("%s:11211 %+v", a, *s)
		}
		for _, p := range []uint16{6379, 11211} {
			o := byEndpoint(obs, scanners.ProbeSvcDBAuth, a, p)
			acc, ok := o.Data.(*scanners.DBAccess)
			if !ok || !acc.Unauthenticated {
				t.Errorf("%s:%d dbauth %s %s %+v", a, p, o.Status, o.Reason, o.Data)
			}
		}
	}
	count := func(fs []checks.Finding, st checks.Status, sev checks.Severity) int {
		n := 0
		for _, f := range fs {
			if f.Status == st && (sev == "" || f.Severity == sev) {
				n++
			}
		}
		return n
	}
	n := len(h.Addrs())
	if fs := evaluate(t, "service.cleartext-admin", obs); count(fs, checks.Fail, checks.High) != 2*n || count(fs, checks.Pass, "") != 0 {
		t.Errorf("cleartext-admin: %+v", fs)
	}
	if fs := evaluate(t, "service.database", obs); count(fs, checks.Fail, checks.Critical) != 2*n {
		t.Errorf("database: %+v", fs)
	}
	if fs := evaluate(t, "service.exposed", obs); count(fs, checks.InfoS, "") != 4*n {
		t.Errorf("exposed: %+v", fs)
	}
}

func TestLabClean(t *testing.T) {
	lab := netlab.Require(t)
	h := lab.Host("clean")
	obs := labScan(t, h)
	for _, a := range h.Addrs() {
		o := byEndpoint(obs, scanners.ProbeSvcIdent, a, 22)
		s, ok := o.Data.(*scanners.Service)
		if !ok || s.Name != "ssh" || s.Product != "OpenSSH" || s.Version == "" || s.CPE == "" {
			t.Errorf("%s:22 %s %+v", a, o.Status, o.Data)
		}
	}
	n := len(h.Addrs())
	fs := evaluate(t, "service.cleartext-admin", obs)
	if len(fs) != n || fs[0].Status != checks.Pass {
		t.Errorf("cleartext-admin: %+v", fs)
	}
	fs = evaluate(t, "service.database", obs)
	if len(fs) != n || fs[0].Status != checks.Pass {
		t.Errorf("database: %+v", fs)
	}
	pol, err := checks.ParsePolicy("lab.yaml", []byte("version: 1\nservices:\n  - hosts: [198.51.100.0/24, \"2001:db8:100::/64\"]\n    allow: [ssh]\n"))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := checks.Default.Get("service.exposed")
	var in []scanners.Observation
	for _, o := range obs {
		if o.Probe == scanners.ProbePortTCP || o.Probe == scanners.ProbeSvcIdent {
			in = append(in, o)
		}
	}
	for _, f := range c.Evaluate(&checks.Input{Obs: in, Policy: pol, Now: time.Now()}) {
		if f.Status != checks.Pass {
			t.Errorf("exposed with ssh allowed: %+v", f)
		}
	}
}
