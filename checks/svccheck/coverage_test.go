package svccheck

import (
	"strings"
	"testing"

	"shindan/checks"
	"shindan/scanners"
)

func summaryObs(t scanners.Target, state, covered string) scanners.Observation {
	return scanners.Observation{Probe: scanners.ProbePortTCP, Target: scanners.Target{Addr: t.Addr, Proto: scanners.TCP}, At: at, Status: scanners.OK,
		Data: &scanners.PortState{Proto: scanners.TCP, State: state, Method: "connect", Covered: covered}}
}

// A top1000 scan does not include 6379 or 11211: service.database may pass
// on what it saw, but must say that those ports were not tested (issue:
// "a pass that did not look").
func TestPassesSayWhatTheyCovered(t *testing.T) {
	quiet := clean.Next()
	obs := []scanners.Observation{
		summaryObs(ep(legacy, 0), "up", "1-1024,3306,5432"),
		svc(legacy, 21, scanners.Service{Name: "ftp", Attrs: map[string]string{"auth-tls": "yes"}}),
		svc(legacy, 22, scanners.Service{Name: "ssh"}),
		summaryObs(ep(quiet, 0), "up", "1-65535"), // answered, no open port
		summaryObs(ep(clean, 0), "no-response", "1-1024"),
	}
	db := database{}.Evaluate(&checks.Input{Obs: obs, Policy: checks.DefaultPolicy(), Now: at})
	got := map[string]checks.Finding{}
	for _, f := range db {
		got[f.Target.String()] = f
	}
	if len(db) != 2 {
		t.Fatalf("want a pass for each answering host, got %+v", db)
	}
	f := got[legacy.String()]
	if f.Status != checks.Pass || !strings.Contains(f.Detail.EN, "not scanned, so not tested: 1433, 1521, 5984, 6379, 9042, 9200, 11211, 27017") ||
		!strings.Contains(f.Detail.EN, "scanned: 3306, 5432") || !strings.Contains(f.Detail.JA, "6379") {
		t.Errorf("legacy pass must state its coverage: %+v", f.Detail)
	}
	if q := got[quiet.String()]; q.Status != checks.Pass || !strings.Contains(q.Detail.EN, "all of ports") {
		t.Errorf("host with every port scanned: %+v", q)
	}
	if _, ok := got[clean.String()]; ok {
		t.Error("a host that never answered gets no pass")
	}

	ca := cleartextAdmin{}.Evaluate(&checks.Input{Obs: obs, Policy: checks.DefaultPolicy(), Now: at})
	var hostPasses []string
	for _, f := range ca {
		if f.Subject == "" {
			hostPasses = append(hostPasses, f.Target.String())
			if f.Status != checks.Pass || !strings.Contains(f.Detail.EN, "scanned") {
				t.Errorf("host pass %+v", f)
			}
		}
	}
	if strings.Join(hostPasses, " ") != legacy.String()+" "+quiet.String() {
		t.Errorf("cleartext-admin host passes on %v", hostPasses)
	}
	// A host with telnet gets no host-level pass.
	obs = append(obs, svc(quiet, 23, scanners.Service{Name: "telnet"}))
	for _, f := range (cleartextAdmin{}).Evaluate(&checks.Input{Obs: obs, Policy: checks.DefaultPolicy(), Now: at}) {
		if f.Target.Addr == quiet && f.Status == checks.Pass {
			t.Errorf("telnet host passed: %+v", f)
		}
	}
}

// An interrupted scan claims nothing: a host whose identification did not
// finish gets no host-level pass from either check.
func TestInterruptedHostGetsNoPass(t *testing.T) {
	obs := []scanners.Observation{
		summaryObs(ep(legacy, 0), "up", "1-65535"),
		svc(legacy, 22, scanners.Service{Name: "ssh"}),
		{Probe: scanners.ProbeSvcIdent, Target: ep(legacy, 8080), At: at, Status: scanners.Interrupted, Reason: "the scan was interrupted"},
	}
	for _, c := range []checks.Check{database{}, cleartextAdmin{}} {
		for _, f := range c.Evaluate(&checks.Input{Obs: obs, Policy: checks.DefaultPolicy(), Now: at}) {
			if f.Subject == "" && f.Status == checks.Pass {
				t.Errorf("%s passed a host whose identification was interrupted: %s", c.Info().ID, f.Detail.EN)
			}
		}
	}
}
