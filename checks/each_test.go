package checks

import (
	"net/netip"
	"testing"

	"shindan/scanners"
)

func TestEach(t *testing.T) {
	c := Info{ID: "x.each", Severity: High, Title: T("題", "title")}
	tgt := func(last byte) scanners.Target {
		return scanners.Target{Addr: netip.AddrFrom4([4]byte{198, 51, 100, last}), Port: 80, Proto: scanners.TCP}
	}
	var nilSite *scanners.HTTPSite
	in := &Input{Obs: []scanners.Observation{
		{Probe: scanners.ProbeHTTPSite, Target: tgt(1), Status: scanners.OK, Data: &scanners.HTTPSite{URL: "http://198.51.100.1:80"}},
		{Probe: scanners.ProbeHTTPSite, Target: tgt(2), Status: scanners.Timeout, Reason: "i/o timeout", Data: &scanners.HTTPSite{}},
		{Probe: scanners.ProbeHTTPSite, Target: tgt(3), Status: scanners.OK},
		{Probe: scanners.ProbeHTTPSite, Target: tgt(4), Status: scanners.OK, Data: nilSite},
		{Probe: scanners.ProbeHTTPSite, Target: tgt(5), Status: scanners.OK, Data: &scanners.PortState{}},
		{Probe: scanners.ProbeTLSScan, Target: tgt(6), Status: scanners.Timeout, Reason: "not this probe"},
		{Probe: scanners.ProbeHTTPSite, Target: tgt(7), Status: scanners.OK, Data: &scanners.HTTPSite{URL: "http://198.51.100.7:80"}},
	}}
	var seen []string
	fs := Each(in, c, scanners.ProbeHTTPSite, "site", func(o scanners.Observation, s *scanners.HTTPSite) []Finding {
		seen = append(seen, s.URL)
		return []Finding{Observed(c, o, s.URL, Pass, T("見た", "seen"))}
	})
	want := []struct {
		last   byte
		status Status
		detail string
	}{
		{1, Pass, "seen"},
		{2, Error, "could not decide (timeout): i/o timeout"},
		{3, Error, "could not decide (internal): observation carries no http-site payload"},
		{4, Error, "could not decide (internal): observation carries no http-site payload"},
		{5, Error, "could not decide (internal): observation carries no http-site payload"},
		{7, Pass, "seen"},
	}
	if len(fs) != len(want) || len(seen) != 2 {
		t.Fatalf("%d findings, fn saw %v; want %d findings, fn on 2 sites", len(fs), seen, len(want))
	}
	for i, w := range want {
		f := fs[i]
		if f.Target != tgt(w.last) || f.Status != w.status || f.Detail.EN != w.detail {
			t.Errorf("finding %d: %s %s %q, want %s %s %q", i, f.Target, f.Status, f.Detail.EN, tgt(w.last), w.status, w.detail)
		}
		if w.status == Error && (f.Subject != "site" || f.Severity != None) {
			t.Errorf("finding %d: subject %q severity %s, want the undecided subject and no severity", i, f.Subject, f.Severity)
		}
	}

	// EachOf reads several probes in input order.
	in = &Input{Obs: []scanners.Observation{
		{Probe: scanners.ProbeDNSUDP, Target: tgt(1), Status: scanners.OK, Data: &scanners.DNSServer{}},
		{Probe: scanners.ProbeDNSServer, Target: tgt(2), Status: scanners.Refused, Reason: "connection refused"},
		{Probe: scanners.ProbeDNSServer, Target: tgt(3), Status: scanners.OK, Data: &scanners.DNSServer{}},
	}}
	fs = EachOf(in, c, []string{scanners.ProbeDNSServer, scanners.ProbeDNSUDP}, "", func(o scanners.Observation, _ *scanners.DNSServer) []Finding {
		return []Finding{Observed(c, o, "", Pass, Text{})}
	})
	if len(fs) != 3 || fs[0].Target != tgt(1) || fs[1].Status != Error || fs[2].Target != tgt(3) {
		t.Errorf("EachOf: %+v", fs)
	}
}

func TestUnsureGradedWithEvidence(t *testing.T) {
	c := Info{ID: "x.tls", Severity: High, Title: T("題", "title"), Remediation: T("直す", "fix it")}
	ev := []scanners.Evidence{{Kind: "tls", Summary: "scan"}}
	o := scanners.Observation{Probe: scanners.ProbeTLSScan, Status: scanners.OK, Evidence: ev}

	u := Unsure(c, o, "SSL3.0", "SSL3.0: read: i/o timeout")
	if u.Status != Error || u.Subject != "SSL3.0" || u.Detail.EN != "could not decide (protocol-error): SSL3.0: read: i/o timeout" || len(u.Evidence) != 1 {
		t.Errorf("Unsure: %+v", u)
	}

	f := Observed(c, o, "TLS1.0", Fail, T("受け付けます", "accepted")).Graded(Medium, T("無効に", "disable it"))
	if f.Severity != Medium || f.Remediation.EN != "disable it" {
		t.Errorf("graded fail: %s %q", f.Severity, f.Remediation.EN)
	}
	if f := Observed(c, o, "TLS1.0", Fail, Text{}).Graded("", Text{}); f.Severity != High || f.Remediation.EN != "fix it" {
		t.Errorf("zero grading must keep the defaults: %s %q", f.Severity, f.Remediation.EN)
	}
	if f := Observed(c, o, "ocsp", InfoS, Text{}).Graded(Low, T("有効に", "enable it")); f.Severity != None || f.Remediation.EN != "enable it" {
		t.Errorf("an info finding carries no severity: %s", f.Severity)
	}

	w := Observed(c, o, "", Pass, Text{})
	if len(w.Evidence) != 1 || len(w.WithEvidence().Evidence) != 0 || w.WithEvidence(ev[0], ev[0]).Evidence[1] != ev[0] {
		t.Errorf("WithEvidence replaces the observation's evidence: %+v", w.Evidence)
	}
}
