// Package mailcheck holds the mail checks of Art. 59 and 16 (checks.md
// "Mail"): smtp.open-relay, smtp.auth, smtp.starttls from smtp.session
// observations and mail.spf, mail.dmarc, mail.dkim, mail.mta-sts from
// mail.domain observations.
package mailcheck

import (
	"fmt"
	"strings"

	"shindan/scanners"
)

// list writes a set of SMTP keywords or records for a finding's detail;
// "-" rather than an empty string, so "AUTH before TLS: -" reads as
// "none offered", not as a gap in the text.
func list(v []string) string {
	if len(v) == 0 {
		return "-"
	}
	return strings.Join(v, " ")
}

// port names the endpoint of an SMTP session observation (tcp/25).
func port(o scanners.Observation) string { return fmt.Sprintf("tcp/%d", o.Target.Port) }
