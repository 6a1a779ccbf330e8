package vulncheck

import (
	"net/netip"
	"slices"
	"testing"

	"shindan/checks"
	"shindan/scanners"
)

var tgt = scanners.Target{Addr: netip.MustParseAddr("198.51.100.122"), Port: 80, Proto: scanners.TCP}

func eval(obs ...scanners.Observation) []checks.Finding {
	return known{}.Evaluate(&checks.Input{Obs: obs, Policy: checks.DefaultPolicy()})
}

func TestKnown(t *testing.T) {
	match := scanners.Observation{Probe: scanners.ProbeVulnNuclei, Target: tgt, Status: scanners.OK, Data: &scanners.NucleiMatch{
		TemplateID: "shindan-apache-trace", Name: "TRACE enabled", Severity: "medium", Articles: []string{"61-1-1", "bogus"},
		MatchedAt: "http://198.51.100.122/"}}
	none := scanners.Observation{Probe: scanners.ProbeVulnNuclei, Target: tgt, Status: scanners.OK, Data: &scanners.NucleiMatch{Templates: 12}}
	noArticles := scanners.Observation{Probe: scanners.ProbeVulnNuclei, Target: tgt, Status: scanners.OK, Data: &scanners.NucleiMatch{
		TemplateID: "user-x", Severity: "critical", MatchedAt: "http://198.51.100.122/x"}}
	failed := scanners.Observation{Probe: scanners.ProbeVulnNuclei, Target: tgt, Status: scanners.Timeout, Reason: "nuclei: i/o timeout"}
	empty := scanners.Observation{Probe: scanners.ProbeVulnNuclei, Target: tgt, Status: scanners.OK, Data: &scanners.NucleiMatch{}}

	f := eval(match)
	if len(f) != 1 || f[0].Status != checks.Fail || f[0].Severity != checks.Medium || f[0].Source != "nuclei:shindan-apache-trace" ||
		!slices.Equal(f[0].Articles, []string{"61-1-1"}) {
		t.Errorf("match: %+v", f)
	}
	if f := eval(noArticles); f[0].Severity != checks.Critical || !slices.Equal(f[0].Articles, []string{"33-3", "34-9"}) {
		t.Errorf("default articles: %+v", f)
	}
	if f := eval(none); len(f) != 1 || f[0].Status != checks.Pass {
		t.Errorf("pass: %+v", f)
	}
	if f := eval(failed); len(f) != 1 || f[0].Status != checks.Error {
		t.Errorf("error: %+v", f)
	}
	if f := eval(match, none); len(f) != 1 || f[0].Status != checks.Fail {
		t.Errorf("match plus summary: %+v", f)
	}
	if f := eval(empty); len(f) != 1 || f[0].Status != checks.Error {
		t.Errorf("no templates: %+v", f)
	}
}
