// Package mailcheck holds the mail checks of Art. 59 and 16 (checks.md
// "Mail"): smtp.open-relay, smtp.auth, smtp.starttls from smtp.session
// observations and mail.spf, mail.dmarc, mail.dkim, mail.mta-sts from
// mail.domain observations.
package mailcheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

// sessions yields each smtp.session observation with its payload; an
// observation without a readable payload is returned with s == nil.
func sessions(in *checks.Input) (out []sessObs) {
	for _, o := range in.ByProbe(scanners.ProbeSMTPSession) {
		s, _ := o.Data.(*scanners.SMTPSession)
		out = append(out, sessObs{o, s})
	}
	return out
}

type sessObs struct {
	o scanners.Observation
	s *scanners.SMTPSession
}

func list(v []string) string {
	if len(v) == 0 {
		return "-"
	}
	return strings.Join(v, " ")
}

func port(o scanners.Observation) string { return fmt.Sprintf("tcp/%d", o.Target.Port) }
