//go:build netlab

package dnscheck

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/internal/netlab"
	"shindan/scanners"
	_ "shindan/scanners/dnsscan" // dns.server, dns.domain
)

// labEnv queries the lab's open resolver for the scanner's own lookups,
// as `--resolver` would in a scan of the lab.
func labEnv(l *netlab.Lab, dns scanners.DNSSettings) *scanners.Env {
	return &scanners.Env{IOTimeout: 2 * time.Second, Settings: scanners.Settings{
		Resolver: net.JoinHostPort(l.Host("dnsopen").IPv4.String(), "53"), DNS: dns}}
}

func runProbe(t *testing.T, id string, env *scanners.Env, tg scanners.Target) []scanners.Observation {
	t.Helper()
	p, ok := scanners.Default.Probe(id)
	if !ok {
		t.Fatalf("probe %s not registered", id)
	}
	obs, err := p.Run(context.Background(), env, tg)
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

// verdicts maps "check subject" to status over every finding.
func verdicts(t *testing.T, obs []scanners.Observation, cs ...checks.Check) map[string]checks.Finding {
	out := map[string]checks.Finding{}
	in := &checks.Input{Obs: obs, Policy: checks.DefaultPolicy(), Now: time.Now()}
	for _, c := range cs {
		for _, f := range c.Evaluate(in) {
			k := f.Check + " " + f.Subject
			if len(f.Evidence) == 0 && f.Status != checks.Skipped && f.Status != checks.Pass {
				t.Errorf("%s on %s: no evidence", k, f.Target)
			}
			t.Logf("%s %-30s %-8s %s", f.Target, k, f.Status, f.Detail.EN)
			out[k] = f
		}
	}
	return out
}

func want(t *testing.T, got map[string]checks.Finding, key string, st checks.Status, contains string) {
	t.Helper()
	f, ok := got[key]
	if !ok {
		t.Errorf("no finding %q", key)
		return
	}
	if f.Status != st || !strings.Contains(f.Detail.EN+" "+evText(f), contains) {
		t.Errorf("%q: %s %q, want %s containing %q", key, f.Status, f.Detail.EN, st, contains)
	}
}

func evText(f checks.Finding) string {
	var b strings.Builder
	for _, e := range f.Evidence {
		b.WriteString(e.Summary + "\n" + e.Data + "\n")
	}
	return b.String()
}

func TestLabServers(t *testing.T) {
	l := netlab.Require(t)
	serverChecks := []checks.Check{openResolver{}, zoneTransfer{}, versionDisclosure{}, amplification{}, internalLeak{}}
	// Names the scan would have resolved itself (a scan of good.example
	// finds its NS hosts): dnsnoup cannot resolve the canary, but these.
	g1 := l.Host("dnsgood1")
	known := scanners.DNSSettings{KnownNames: []scanners.KnownName{{Name: "ns1.good.example", Addrs: []netip.Addr{g1.IPv4, g1.IPv6}}}}
	for _, tc := range []struct {
		host, name string
		opts       scanners.DNSSettings
		want       map[string]checks.Status
		contains   map[string]string
	}{
		{host: "dnsopen", want: map[string]checks.Status{"dns.open-resolver ": checks.Fail, "dns.version-disclosure ": checks.Fail, "dns.zone-transfer ": checks.Skipped},
			contains: map[string]string{"dns.open-resolver ": "198.51.100.79", "dns.version-disclosure ": "unbound"}},
		{host: "dnsopen", opts: scanners.DNSSettings{ProbeName: "www.broken.example"},
			want: map[string]checks.Status{"dns.open-resolver ": checks.Warn}, contains: map[string]string{"dns.open-resolver ": "SERVFAIL"}},
		{host: "dnsnoup", opts: known, want: map[string]checks.Status{"dns.open-resolver ": checks.Fail},
			contains: map[string]string{"dns.open-resolver ": "ns1.good.example.: open"}},
		{host: "dnsnoup", want: map[string]checks.Status{"dns.open-resolver ": checks.Warn}, contains: map[string]string{"dns.open-resolver ": "SERVFAIL"}},
		// A real front end (dnsdist) that answers every UDP query TC=1,
		// RA=0, with an open Unbound behind it over TCP: the UDP test
		// follows TC and is judged from the TCP answer.
		{host: "dnstrunc", want: map[string]checks.Status{"dns.open-resolver ": checks.Fail},
			contains: map[string]string{"dns.open-resolver ": "udp: open (rcode NOERROR, ra=1, aa=0, fresh name NXDOMAIN, udp reply truncated (TC=1): judged from the tcp retry)"}},
		{host: "dnsclosed", want: map[string]checks.Status{"dns.open-resolver ": checks.Pass, "dns.version-disclosure ": checks.Pass},
			contains: map[string]string{"dns.open-resolver ": "REFUSED"}},
		{host: "dnsroot", name: "ns.example", want: map[string]checks.Status{"dns.open-resolver ": checks.Pass, "dns.version-disclosure ": checks.Pass,
			"dns.zone-transfer example.@": checks.Pass}, contains: map[string]string{"dns.open-resolver ": "authoritative"}},
		{host: "dnsleaky", name: "ns1.leaky.example", want: map[string]checks.Status{"dns.open-resolver ": checks.Pass, "dns.version-disclosure ": checks.Fail,
			"dns.zone-transfer leaky.example.@": checks.Fail, "dns.amplification ": checks.Warn, "dns.internal-leak leaky.example.": checks.Fail},
			contains: map[string]string{"dns.version-disclosure ": "9.18", "dns.zone-transfer leaky.example.@": "AXFR: 18 records", "dns.internal-leak leaky.example.": "10.1.2.3"}},
		{host: "dnsgood1", name: "ns1.good.example", want: map[string]checks.Status{"dns.open-resolver ": checks.Pass, "dns.version-disclosure ": checks.Pass,
			"dns.zone-transfer good.example.@": checks.Pass, "dns.amplification ": checks.Pass}},
		{host: "dnssecond", name: "ns2.leaky.example", want: map[string]checks.Status{"dns.open-resolver ": checks.Pass, "dns.version-disclosure ": checks.Pass,
			"dns.zone-transfer leaky.example.@": checks.Pass}},
	} {
		h := l.Host(tc.host)
		for _, a := range h.Addrs() {
			t.Run(tc.host+"/"+a.String(), func(t *testing.T) {
				obs := runProbe(t, scanners.ProbeDNSServer, labEnv(l, tc.opts), scanners.Target{Addr: a, Port: 53, Proto: scanners.TCP, Name: tc.name})
				got := verdicts(t, obs, serverChecks...)
				for k, st := range tc.want {
					// subjects that name a server carry its address
					key := k
					if strings.HasSuffix(k, "@") {
						key = k + net.JoinHostPort(a.String(), "53")
					}
					want(t, got, key, st, tc.contains[k])
				}
			})
		}
	}
}

func TestLabDomains(t *testing.T) {
	l := netlab.Require(t)
	domainChecks := []checks.Check{nsRedundancy{}, soaConsistency{}, zoneTransfer{}, internalLeak{}, dnssecCheck{}}
	ns1Leaky := net.JoinHostPort(l.Host("dnsleaky").IPv4.String(), "53")
	ns2Leaky := net.JoinHostPort(l.Host("dnssecond").IPv6.String(), "53")
	ns1Good := net.JoinHostPort(l.Host("dnsgood1").IPv6.String(), "53")
	for _, tc := range []struct {
		zone     string
		want     map[string]checks.Status
		contains map[string]string
	}{
		{zone: "good.example", want: map[string]checks.Status{
			"dns.ns-redundancy count": checks.Pass, "dns.ns-redundancy lame": checks.Pass, "dns.ns-redundancy delegation": checks.Pass,
			// The lab has one DMZ /24 and /48: the diversity warning is right here.
			"dns.ns-redundancy diversity": checks.Warn,
			"dns.soa-consistency ":        checks.Pass, "dns.internal-leak ": checks.Pass, "dns.dnssec ": checks.InfoS,
			"dns.zone-transfer good.example.@" + ns1Good: checks.Pass},
			contains: map[string]string{"dns.dnssec ": "resolver set AD", "dns.soa-consistency ": "all 4"}},
		{zone: "leaky.example", want: map[string]checks.Status{
			"dns.soa-consistency ": checks.Fail, "dns.internal-leak ": checks.Fail, "dns.dnssec ": checks.Warn,
			"dns.zone-transfer leaky.example.@" + ns1Leaky: checks.Fail, "dns.zone-transfer leaky.example.@" + ns2Leaky: checks.Pass,
			"dns.ns-redundancy lame": checks.Pass},
			contains: map[string]string{"dns.soa-consistency ": "2026112601 (behind 2026112602)", "dns.internal-leak ": "intranet.leaky.example. 10.1.2.3 (RFC 1918)"}},
		// Undelegated: offline. is delegated to an address where nothing
		// answers; pre.offline. is known to the resolver by a stub zone.
		{zone: "pre.offline", want: map[string]checks.Status{
			"dns.ns-redundancy parent": checks.Error, "dns.ns-redundancy count": checks.Pass, "dns.ns-redundancy lame": checks.Pass,
			"dns.soa-consistency ": checks.Pass, "dns.internal-leak ": checks.Pass, "dns.dnssec ": checks.Warn, "dns.dnssec parent": checks.Error,
			"dns.zone-transfer pre.offline.@" + ns1Good: checks.Pass},
			contains: map[string]string{"dns.ns-redundancy parent": "offline.", "dns.ns-redundancy count": "ns1.pre.offline., ns2.pre.offline.",
				"dns.soa-consistency ": "2026120101", "dns.dnssec ": "not signed"}},
		{zone: "lame.example", want: map[string]checks.Status{"dns.ns-redundancy lame": checks.Fail, "dns.soa-consistency ": checks.Pass},
			contains: map[string]string{"dns.ns-redundancy lame": "ns2.lame.example. 198.51.100.63 (rcode REFUSED"}},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			start := time.Now()
			obs := runProbe(t, scanners.ProbeDNSDomain, labEnv(l, scanners.DNSSettings{}), scanners.Target{Name: tc.zone})
			t.Logf("dns.domain %s took %v", tc.zone, time.Since(start))
			if len(obs) != 1 || obs[0].Status != scanners.OK {
				t.Fatalf("observation: %+v", obs)
			}
			got := verdicts(t, obs, domainChecks...)
			for k, st := range tc.want {
				want(t, got, k, st, tc.contains[k])
			}
		})
	}
}
