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

func list(v []string) string {
	if len(v) == 0 {
		return "-"
	}
	return strings.Join(v, " ")
}

func port(o scanners.Observation) string { return fmt.Sprintf("tcp/%d", o.Target.Port) }
