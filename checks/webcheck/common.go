// Package webcheck holds the http.* checks and domain.government. They read
// the http.site probe's HTTPSite observations and the policy, nothing else.
package webcheck

import (
	"shindan/checks"
	"shindan/scanners"
)

// eachSite calls fn for every readable site and turns every unreadable
// observation into an error finding.
func eachSite(in *checks.Input, info checks.Info, fn func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding) []checks.Finding {
	var out []checks.Finding
	for _, o := range in.ByProbe(scanners.ProbeHTTPSite) {
		s, ok := o.Data.(*scanners.HTTPSite)
		if o.Status != scanners.OK || !ok {
			if o.Status == scanners.OK {
				o.Status, o.Reason = scanners.Internal, "observation carries no http-site payload"
			}
			out = append(out, checks.Undecided(info, o, ""))
			continue
		}
		for _, f := range fn(o, s) {
			if f.At.IsZero() {
				f.At = o.At
			}
			out = append(out, f)
		}
	}
	return out
}

// finding starts a finding with status st on the site's target.
func finding(info checks.Info, o scanners.Observation, subject string, st checks.Status, detail checks.Text, ev ...scanners.Evidence) checks.Finding {
	f := checks.New(info, o.Target, subject).Decided(st)
	if detail != (checks.Text{}) {
		f.Detail = detail
	}
	f.Evidence = ev
	return f
}

// ev is HTTP evidence of one exchange.
func ev(x *scanners.HTTPExchange, summary string) scanners.Evidence {
	return scanners.HTTPEvidence(x, summary)
}

// IDs lists the checks of this package (lab tests and tooling).
func IDs() []string { return checks.Default.IDsIn("shindan/checks/webcheck") }
