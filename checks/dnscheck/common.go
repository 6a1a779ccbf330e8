package dnscheck

import (
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

// serverObs pairs an observation with its server payload. The checks that
// loop over it themselves (rather than checks.EachOf) need the failed
// observations too, to emit their own error finding.
type serverObs struct {
	o scanners.Observation
	s *scanners.DNSServer
}

// domainObs is serverObs for dns.domain observations.
type domainObs struct {
	o scanners.Observation
	d *scanners.DNSDomain
}

// servers returns the dns.server and dns.udp observations; s is nil when
// the probe could not read the server.
func servers(in *checks.Input) []serverObs {
	var out []serverObs
	for _, o := range in.Obs {
		if o.Probe != scanners.ProbeDNSServer && o.Probe != scanners.ProbeDNSUDP {
			continue
		}
		s, _ := o.Data.(*scanners.DNSServer)
		out = append(out, serverObs{o, s})
	}
	return out
}

// domains returns the dns.domain observations; d may be nil on failure.
func domains(in *checks.Input) []domainObs {
	var out []domainObs
	for _, o := range in.Obs {
		if o.Probe != scanners.ProbeDNSDomain {
			continue
		}
		d, _ := o.Data.(*scanners.DNSDomain)
		out = append(out, domainObs{o, d})
	}
	return out
}

// dnsEvidence is one DNS answer as evidence.
func dnsEvidence(summary, data string) scanners.Evidence {
	return scanners.Evidence{Kind: "dns", Summary: summary, Data: data}
}

// joinOr lists xs, or says none, so a detail never ends in an empty list.
func joinOr(xs []string, none string) string {
	if len(xs) == 0 {
		return none
	}
	return strings.Join(xs, ", ")
}

// rawEach quotes every record of a probe (dnsscan's English problem
// sentences) for a Japanese text.
func rawEach(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = checks.Raw(x)
	}
	return out
}

// nsSourceJA is dnsscan's NSSource ("resolver 198.51.100.65:53", "server
// 198.51.100.61") in Japanese.
func nsSourceJA(s string) string {
	if kind, addr, ok := strings.Cut(s, " "); ok {
		switch kind {
		case "resolver":
			return "リゾルバ " + addr
		case "server":
			return "サーバ " + addr
		}
	}
	return checks.Raw(s)
}
