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
