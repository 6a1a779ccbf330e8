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

// undecided is checks.Undecided, plus the case of an OK observation that
// carries no payload (a probe bug), which must not pass either.
func undecided(c checks.Info, o scanners.Observation, subject string) checks.Finding {
	if o.Status == scanners.OK {
		o.Status, o.Reason = scanners.Internal, "observation without payload"
	}
	return checks.Undecided(c, o, subject)
}

// finding starts a decided finding carrying the observation's evidence.
func finding(c checks.Info, o scanners.Observation, subject string, st checks.Status, ja, en string) checks.Finding {
	f := checks.New(c, o.Target, subject).Decided(st)
	f.Detail = checks.T(ja, en)
	f.Evidence = o.Evidence
	f.At = o.At
	return f
}

func list(v []string) string {
	if len(v) == 0 {
		return "-"
	}
	return strings.Join(v, " ")
}

func port(o scanners.Observation) string { return fmt.Sprintf("tcp/%d", o.Target.Port) }
