package tlscheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

// scans yields every tls.scan observation: readable ones with their
// payload, the rest as error findings of c.
func scans(c checks.Info, in *checks.Input, subject string) (out []scanObs, errs []checks.Finding) {
	for _, o := range in.ByProbe(scanners.ProbeTLSScan) {
		r, ok := o.Data.(*scanners.TLSScan)
		if o.Status != scanners.OK || !ok {
			if ok && o.Reason == "" {
				o.Reason = "no TLS data"
			}
			errs = append(errs, checks.Undecided(c, o, subject))
			continue
		}
		if !handshook(r) {
			// A verdict needs a handshake to stand on (issue 13): "all 0
			// accepted suites conform" is no pass.
			o.Status, o.Reason = scanners.ProtocolError, "tls.scan completed no handshake at any protocol version"
			if len(r.Errors) > 0 {
				o.Reason += "; " + r.Errors[0]
			}
			errs = append(errs, checks.Undecided(c, o, subject))
			continue
		}
		out = append(out, scanObs{o, r})
	}
	return out, errs
}

// handshook reports whether some protocol version was accepted.
func handshook(r *scanners.TLSScan) bool {
	for _, p := range r.Protocols {
		if p.Status == "supported" {
			return true
		}
	}
	return false
}

type scanObs struct {
	obs scanners.Observation
	r   *scanners.TLSScan
}

// finding starts a finding on the observation's target.
func finding(c checks.Info, s scanObs, subject string, st checks.Status, sev checks.Severity, detail, fix checks.Text) checks.Finding {
	f := checks.New(c, s.obs.Target, subject)
	if sev != "" {
		f.Severity = sev
	}
	f = f.Decided(st)
	f.Detail = detail
	if fix.EN != "" {
		f.Remediation = fix
	}
	f.Evidence = s.obs.Evidence
	f.At = s.obs.At
	return f
}

func policyOf(in *checks.Input) *checks.Policy {
	if in.Policy != nil {
		return in.Policy
	}
	return checks.DefaultPolicy()
}

func mode(r *scanners.TLSScan) string {
	if r.StartTLS != "" {
		return "STARTTLS/" + strings.ToUpper(r.StartTLS)
	}
	return "TLS"
}

func typeText(name string, st settingType) checks.Text {
	return checks.T(fmt.Sprintf("%s（%s）", st.NameJA, name), name)
}
