// Package webcheck holds the http.* checks and domain.government. They read
// the http.site probe's HTTPSite observations and the policy, nothing else.
package webcheck

import (
	"shindan/checks"
	"shindan/scanners"
)

// ev is HTTP evidence of one exchange. A web finding carries the exchanges
// that show its verdict (WithEvidence), not the observation's summary of the
// whole visit, so a finding without one carries none.
func ev(x *scanners.HTTPExchange, summary string) scanners.Evidence {
	return scanners.HTTPEvidence(x, summary)
}

// IDs lists the checks of this package (lab tests and tooling).
func IDs() []string { return checks.Default.IDsIn("shindan/checks/webcheck") }

// eachSite is checks.Each over the http.site observations, with what the
// visit's TLS adds to every verdict: a visit that needed a fallback hello
// says so in each of its findings' evidence (a verdict over a legacy
// handshake is one the default client would not have reached), and a
// visit that no hello could make says exactly why, in both languages.
func eachSite(in *checks.Input, info checks.Info, fn func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding) []checks.Finding {
	var out []checks.Finding
	for i, o := range in.Obs {
		if o.Probe != scanners.ProbeHTTPSite {
			continue
		}
		s, _ := o.Data.(*scanners.HTTPSite)
		if o.Status != scanners.OK && s != nil && s.TLS != nil && s.TLS.Gap != nil {
			out = append(out, tlsGapFinding(info, o, s.TLS.Gap))
			continue
		}
		one := *in
		one.Obs = in.Obs[i : i+1]
		fs := checks.Each(&one, info, scanners.ProbeHTTPSite, "", fn)
		if s != nil && o.Status == scanners.OK {
			for _, t := range []*scanners.HTTPTLS{s.TLS, s.HTTPSTLS} {
				if ev, ok := tlsEvidence(s, t); ok {
					for j := range fs {
						fs[j].Evidence = append(fs[j].Evidence, ev)
					}
				}
			}
		}
		out = append(out, fs...)
	}
	return out
}

// tlsEvidence notes a fallback hello of the visit (t is s.TLS) or of its
// port-443 check (s.HTTPSTLS).
func tlsEvidence(s *scanners.HTTPSite, t *scanners.HTTPTLS) (scanners.Evidence, bool) {
	if !t.Fallback() {
		return scanners.Evidence{}, false
	}
	where := s.URL
	if t == s.HTTPSTLS {
		where = "port 443"
	}
	ev := scanners.Evidence{Kind: "tls",
		Summary: where + " reached only with the " + t.Profile + " TLS hello fallback (" + t.Version + " " + t.Suite + ")"}
	for _, r := range t.Refused {
		ev.Data += "refused: " + r + "\n"
	}
	return ev, true
}
