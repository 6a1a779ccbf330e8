package dnscheck

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

var now = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func srvObs(probe string, s *scanners.DNSServer) scanners.Observation {
	o := scanners.Observation{Probe: probe, At: now,
		Target: scanners.Target{Addr: netip.MustParseAddr("198.51.100.65"), Port: 53, Proto: scanners.TCP}}
	if s == nil {
		o.Status, o.Reason = scanners.Timeout, "dnsscan: no dns reply over udp or tcp"
		return o
	}
	o.Status, o.Data = scanners.OK, s
	return o
}

func domObs(d *scanners.DNSDomain) scanners.Observation {
	o := scanners.Observation{Probe: scanners.ProbeDNSDomain, At: now, Target: scanners.Target{Name: "example.test"}}
	if d == nil {
		o.Status, o.Reason = scanners.Timeout, "dnsscan: no name server of example.test. answered"
		return o
	}
	o.Status, o.Data = scanners.OK, d
	return o
}

// run evaluates c after a JSON round trip of the observations.
func run(t *testing.T, c checks.Check, obs ...scanners.Observation) []checks.Finding {
	t.Helper()
	b, err := json.Marshal(obs)
	if err != nil {
		t.Fatal(err)
	}
	var back []scanners.Observation
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return c.Evaluate(&checks.Input{Obs: back, Policy: checks.DefaultPolicy(), Now: now})
}

// expect finds the finding with subject and checks its status and detail.
func expect(t *testing.T, fs []checks.Finding, subject string, want checks.Status, contains string) {
	t.Helper()
	for _, f := range fs {
		if f.Subject != subject {
			continue
		}
		if f.Status != want {
			t.Fatalf("%s %q: status %s, want %s: %s", f.Check, subject, f.Status, want, f.Detail.EN)
		}
		if !strings.Contains(f.Detail.EN, contains) || f.Detail.JA == "" {
			t.Fatalf("%s %q: detail %q lacks %q (ja %q)", f.Check, subject, f.Detail.EN, contains, f.Detail.JA)
		}
		return
	}
	t.Fatalf("no finding with subject %q in %+v", subject, fs)
}

func rec(tr, class, rcode string, ra bool) scanners.DNSRecursion {
	return scanners.DNSRecursion{Transport: tr, QName: "www.example.com.", Class: class, Rcode: rcode, RA: ra, Text: ";; ->>HEADER<<- status: " + rcode}
}

func TestOpenResolver(t *testing.T) {
	c := openResolver{}
	for _, tc := range []struct {
		name  string
		probe string
		rec   []scanners.DNSRecursion
		want  checks.Status
		text  string
	}{
		{"open over udp", scanners.ProbeDNSServer, []scanners.DNSRecursion{rec("udp", scanners.ResolverOpen, "NOERROR", true), rec("tcp", scanners.ResolverRefused, "REFUSED", true)}, checks.Fail, "resolved www.example.com."},
		{"udp-only server open", scanners.ProbeDNSUDP, []scanners.DNSRecursion{rec("udp", scanners.ResolverOpen, "NOERROR", true)}, checks.Fail, "recursively"},
		{"servfail with RA", scanners.ProbeDNSServer, []scanners.DNSRecursion{rec("udp", scanners.ResolverServfail, "SERVFAIL", true), rec("tcp", scanners.ResolverServfail, "SERVFAIL", true)}, checks.Warn, "SERVFAIL"},
		{"cache only", scanners.ProbeDNSServer, []scanners.DNSRecursion{rec("udp", scanners.ResolverCacheOnly, "NOERROR", true)}, checks.Warn, "cache-only"},
		{"refused", scanners.ProbeDNSServer, []scanners.DNSRecursion{rec("udp", scanners.ResolverRefused, "REFUSED", true), rec("tcp", scanners.ResolverRefused, "REFUSED", true)}, checks.Pass, "REFUSED"},
		{"authoritative for the probe name", scanners.ProbeDNSServer, []scanners.DNSRecursion{rec("udp", scanners.ResolverAuthoritative, "NOERROR", false)}, checks.Pass, "authoritative"},
		{"no answer", scanners.ProbeDNSServer, []scanners.DNSRecursion{{Transport: "udp", Class: scanners.ResolverNoAnswer, Error: "i/o timeout"}}, checks.Error, "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := run(t, c, srvObs(tc.probe, &scanners.DNSServer{ProbeName: "www.example.com.", Recursion: tc.rec}))
			expect(t, fs, "", tc.want, tc.text)
			if len(fs[0].Evidence) == 0 {
				t.Error("no DNS answer as evidence")
			}
		})
	}
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, nil)), "", checks.Error, "timeout")

	// A resolver without egress: the canary SERVFAILs, a known name proves
	// recursion (fail), a known name answered wrongly does not (warn).
	servfail := []scanners.DNSRecursion{rec("udp", scanners.ResolverServfail, "SERVFAIL", true), rec("tcp", scanners.ResolverServfail, "SERVFAIL", true)}
	proof := rec("udp", scanners.ResolverOpen, "NOERROR", true)
	proof.QName, proof.Fresh = "ns1.good.example.", "NXDOMAIN"
	fs := run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{ProbeName: "www.example.com.", Recursion: servfail, Proof: []scanners.DNSRecursion{proof}}))
	expect(t, fs, "", checks.Fail, "udp ns1.good.example.: open (rcode NOERROR, ra=1, aa=0, fresh name NXDOMAIN)")
	if len(fs[0].Evidence) != 3 {
		t.Errorf("evidence: %d entries, want the canary's two and the proof", len(fs[0].Evidence))
	}
	wrong := proof
	wrong.Class = scanners.ResolverUnexpected
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{ProbeName: "www.example.com.", Recursion: servfail, Proof: []scanners.DNSRecursion{wrong}})),
		"", checks.Warn, "known name udp ns1.good.example.: unexpected")
}

func TestZoneTransfer(t *testing.T) {
	c := zoneTransfer{}
	open := []scanners.DNSTransfer{
		{Zone: "leaky.example.", Server: "198.51.100.62:53", Type: "AXFR", Allowed: true, Rcode: "NOERROR", Records: 12, Sample: []string{"leaky.example. 300 IN SOA ..."}},
		{Zone: "leaky.example.", Server: "198.51.100.62:53", Type: "IXFR", Rcode: "REFUSED"},
	}
	closed := []scanners.DNSTransfer{
		{Zone: "good.example.", Server: "198.51.100.61:53", Type: "AXFR", Rcode: "REFUSED"},
		{Zone: "good.example.", Server: "198.51.100.61:53", Type: "IXFR", Rcode: "REFUSED"},
	}
	broken := []scanners.DNSTransfer{{Zone: "good.example.", Server: "198.51.100.61:53", Type: "AXFR", Error: "dial tcp: connection refused"}}
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Transfers: open})), "leaky.example.@198.51.100.62:53", checks.Fail, "AXFR: 12 records")
	expect(t, run(t, c, domObs(&scanners.DNSDomain{Zone: "good.example.", Transfers: closed})), "good.example.@198.51.100.61:53", checks.Pass, "refused")
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Transfers: broken})), "good.example.@198.51.100.61:53", checks.Error, "connection refused")
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{})), "", checks.Skipped, "not tested")
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, nil)), "", checks.Error, "timeout")
}

func TestVersionDisclosure(t *testing.T) {
	c := versionDisclosure{}
	ids := func(v string) []scanners.DNSIdentity {
		return []scanners.DNSIdentity{{Query: "version.bind", Rcode: "NOERROR", Value: v}, {Query: "id.server", Rcode: "NOERROR", Value: "198.51.100.62"}}
	}
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Identity: ids("9.18.49-1~deb12u3-Debian")})), "", checks.Fail, "9.18.49")
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Identity: ids("")})), "", checks.Pass, "no version")
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Identity: []scanners.DNSIdentity{{Query: "version.bind", Error: "i/o timeout"}}})), "", checks.Error, "no reply")
}

func zs(name, addr string, serial uint32, ns ...string) scanners.DNSZoneServer {
	return scanners.DNSZoneServer{Name: name, Addr: addr, Answered: true, AA: true, HasSOA: true, Serial: serial, NS: ns, Rcode: "NOERROR", SOA: "x. SOA ..."}
}

func TestNSRedundancy(t *testing.T) {
	c := nsRedundancy{}
	good := &scanners.DNSDomain{Zone: "good.example.", ParentNS: []string{"ns1.good.example.", "ns2.good.example."}, Servers: []scanners.DNSZoneServer{
		zs("ns1.good.example.", "198.51.100.61", 1, "ns1.good.example.", "ns2.good.example."),
		zs("ns2.good.example.", "192.0.2.63", 1, "ns1.good.example.", "ns2.good.example.")}}
	fs := run(t, c, domObs(good))
	expect(t, fs, "count", checks.Pass, "2 name servers")
	expect(t, fs, "diversity", checks.Pass, "more than one network")
	expect(t, fs, "lame", checks.Pass, "authoritatively")
	expect(t, fs, "delegation", checks.Pass, "agree")

	// Undelegated: the parent SERVFAILs; the zone's own NS set is judged
	// and the parent side is an error of its own.
	undel := &scanners.DNSDomain{Zone: "pre.offline.", Parent: "offline.", ParentError: "dnsscan: resolver answered SERVFAIL for offline. NS",
		ChildNS: []string{"ns1.pre.offline.", "ns2.pre.offline."}, NSSource: "resolver 198.51.100.65:53", Servers: []scanners.DNSZoneServer{
			zs("ns1.pre.offline.", "198.51.100.61", 1, "ns1.pre.offline.", "ns2.pre.offline."),
			zs("ns2.pre.offline.", "192.0.2.63", 1, "ns1.pre.offline.", "ns2.pre.offline.")}}
	fs = run(t, c, domObs(undel))
	expect(t, fs, "count", checks.Pass, "2 name servers")
	expect(t, fs, "lame", checks.Pass, "authoritatively")
	expect(t, fs, "parent", checks.Error, "SERVFAIL for offline. NS")
	for _, f := range fs {
		if f.Subject == "delegation" {
			t.Errorf("delegation compared without a parent: %+v", f)
		}
	}
	fs = run(t, dnssecCheck{}, domObs(undel))
	expect(t, fs, "", checks.Warn, "not signed")
	expect(t, fs, "parent", checks.Error, "DS at the parent offline. could not be checked")

	lame := zs("ns2.lame.example.", "198.51.100.63", 0)
	lame.AA, lame.HasSOA, lame.Lame, lame.Rcode = false, false, true, "REFUSED"
	bad := &scanners.DNSDomain{Zone: "lame.example.", ParentNS: []string{"ns1.lame.example.", "ns2.lame.example."}, Servers: []scanners.DNSZoneServer{
		zs("ns1.lame.example.", "198.51.100.62", 1, "ns1.lame.example."), lame}}
	fs = run(t, c, domObs(bad))
	expect(t, fs, "lame", checks.Fail, "ns2.lame.example. 198.51.100.63 (rcode REFUSED")
	expect(t, fs, "diversity", checks.Warn, "198.51.100.0/24")
	expect(t, fs, "delegation", checks.Warn, "differs")

	single := &scanners.DNSDomain{Zone: "one.example.", ParentNS: []string{"ns.one.example."}, Servers: []scanners.DNSZoneServer{
		zs("ns.one.example.", "198.51.100.70", 1, "ns.one.example."),
		{Name: "ns.one.example.", Addr: "2001:db8:100::70", Error: "i/o timeout"}}}
	fs = run(t, c, domObs(single))
	expect(t, fs, "count", checks.Fail, "fewer than two")
	expect(t, fs, "lame", checks.Error, "did not answer")
	expect(t, run(t, c, domObs(nil)), "", checks.Error, "timeout")
}

func TestSOAConsistency(t *testing.T) {
	c := soaConsistency{}
	ns := []string{"ns1.x.", "ns2.x."}
	same := &scanners.DNSDomain{Zone: "x.", Servers: []scanners.DNSZoneServer{zs("ns1.x.", "198.51.100.61", 7, ns...), zs("ns2.x.", "2001:db8:100::61", 7, ns...)}}
	expect(t, run(t, c, domObs(same)), "", checks.Pass, "serial 7")
	// RFC 1982: 1 is newer than 4294967295 (wrap-around).
	diff := &scanners.DNSDomain{Zone: "x.", Servers: []scanners.DNSZoneServer{zs("ns1.x.", "198.51.100.61", 4294967295, ns...), zs("ns2.x.", "198.51.100.64", 1, ns...)}}
	expect(t, run(t, c, domObs(diff)), "", checks.Fail, "4294967295 (behind 1)")
	nsdiff := &scanners.DNSDomain{Zone: "x.", Servers: []scanners.DNSZoneServer{zs("ns1.x.", "198.51.100.61", 7, ns...), zs("ns2.x.", "198.51.100.64", 7, "ns1.x.")}}
	expect(t, run(t, c, domObs(nsdiff)), "", checks.Fail, "NS sets differ")
	none := &scanners.DNSDomain{Zone: "x.", Servers: []scanners.DNSZoneServer{{Name: "ns1.x.", Addr: "198.51.100.61", Error: "timeout"}}}
	expect(t, run(t, c, domObs(none)), "", checks.Error, "no server answered")
}

func TestInternalLeak(t *testing.T) {
	c := internalLeak{}
	leaky := &scanners.DNSDomain{Zone: "leaky.example.", Names: []scanners.DNSAddr{{Name: "www.leaky.example.", Addr: "198.51.100.62"}},
		Transfers: []scanners.DNSTransfer{{Type: "AXFR", Allowed: true, Addrs: []scanners.DNSAddr{{Name: "intranet.leaky.example.", Addr: "10.1.2.3"}, {Name: "cgn.leaky.example.", Addr: "100.64.1.1"}}}}}
	expect(t, run(t, c, domObs(leaky)), "", checks.Fail, "intranet.leaky.example. 10.1.2.3 (RFC 1918); cgn.leaky.example. 100.64.1.1 (RFC 6598)")
	ula := &scanners.DNSDomain{Zone: "x.", Names: []scanners.DNSAddr{{Name: "db.x.", Addr: "fd00::5"}, {Name: "ll.x.", Addr: "fe80::1"}}}
	expect(t, run(t, c, domObs(ula)), "", checks.Fail, "fd00::5 (ULA); ll.x. fe80::1 (link-local)")
	clean := &scanners.DNSDomain{Zone: "good.example.", Names: []scanners.DNSAddr{{Name: "www.good.example.", Addr: "198.51.100.61"}, {Name: "www.good.example.", Addr: "2001:db8:100::61"}}}
	expect(t, run(t, c, domObs(clean)), "", checks.Pass, "none of the 2")
	expect(t, run(t, c, domObs(nil)), "", checks.Error, "timeout")
	srv := &scanners.DNSServer{Transfers: []scanners.DNSTransfer{{Zone: "leaky.example.", Type: "AXFR", Allowed: true, Addrs: []scanners.DNSAddr{{Name: "intranet.leaky.example.", Addr: "10.1.2.3"}}}}}
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, srv)), "leaky.example.", checks.Fail, "10.1.2.3")
}

func TestDNSSEC(t *testing.T) {
	c := dnssecCheck{}
	valid := scanners.DNSSECState{DS: []string{"good.example. 300 IN DS 1 13 2 AB"}, DNSKEY: []string{"257 ECDSAP256SHA256 1"}, DSMatch: true, Signed: true, Valid: true, Expires: "2026-12-26T00:00:00Z", ResolverAD: "set"}
	expect(t, run(t, c, domObs(&scanners.DNSDomain{Zone: "good.example.", DNSSEC: valid})), "", checks.InfoS, "resolver set AD")
	soon := valid
	soon.Expires = "2026-11-28T00:00:00Z"
	expect(t, run(t, c, domObs(&scanners.DNSDomain{Zone: "good.example.", DNSSEC: soon})), "", checks.Warn, "within 7 days")
	broken := valid
	broken.DSMatch, broken.Problems = false, []string{"no DS at the parent matches a DNSKEY of the zone"}
	expect(t, run(t, c, domObs(&scanners.DNSDomain{Zone: "good.example.", DNSSEC: broken})), "", checks.Warn, "no DS at the parent matches")
	expect(t, run(t, c, domObs(&scanners.DNSDomain{Zone: "leaky.example."})), "", checks.Warn, "not signed")
	expect(t, run(t, c, domObs(&scanners.DNSDomain{Zone: "x.", DNSSEC: scanners.DNSSECState{Error: "DNSKEY query: i/o timeout"}})), "", checks.Error, "i/o timeout")
}

func TestAmplification(t *testing.T) {
	c := amplification{}
	big := []scanners.DNSAmplify{{Query: "leaky.example. ANY", ReqSize: 40, RespSize: 1600, Factor: 40, Rcode: "NOERROR"}, {Query: ". ANY", ReqSize: 28, RespSize: 28, Factor: 1, Rcode: "REFUSED"}}
	small := []scanners.DNSAmplify{{Query: ". ANY", ReqSize: 28, RespSize: 40, Factor: 1.4, Rcode: "REFUSED"}}
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Amplify: big, RRL: scanners.DNSRRLResult{Sent: 20, Answered: 20}})), "", checks.Warn, "40.0 times")
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Amplify: big, RRL: scanners.DNSRRLResult{Sent: 20, Answered: 8, Truncated: 4, Limited: true}})), "", checks.Pass, "rate limiting is active")
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Amplify: small})), "", checks.Pass, "within the threshold")
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Amplify: []scanners.DNSAmplify{{Query: ". ANY", Error: "i/o timeout"}}})), "", checks.Error, "no UDP reply")
	// Replies lost in the scanner's own receive buffer are no rate limiting.
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Amplify: big, RRL: scanners.DNSRRLResult{Sent: 20, Answered: 3, LocalDrops: 17, LocalLoss: true}})),
		"", checks.Warn, "loss was on the scanner's side (17 receive-buffer drops)")
	expect(t, run(t, c, srvObs(scanners.ProbeDNSServer, &scanners.DNSServer{Amplify: big, RRL: scanners.DNSRRLResult{Sent: 20, Answered: 3, LocalDrops: -1, LocalLoss: true}})),
		"", checks.Warn, "(unreadable receive-buffer drops)")
}
