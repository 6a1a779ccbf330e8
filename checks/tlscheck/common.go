package tlscheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

// eachScan evaluates every tls.scan observation with fn through checks.Each,
// and refuses a scan that completed no handshake: a verdict needs a
// handshake to stand on (issue 13), and "all 0 accepted suites conform" is
// no pass.
func eachScan(in *checks.Input, c checks.Info, subject string, fn func(o scanners.Observation, r *scanners.TLSScan) []checks.Finding) []checks.Finding {
	return checks.Each(in, c, scanners.ProbeTLSScan, subject, func(o scanners.Observation, r *scanners.TLSScan) []checks.Finding {
		if !handshook(r) {
			reason := checks.T("どのプロトコルバージョンでもハンドシェイクが成立しませんでした",
				"tls.scan completed no handshake at any protocol version")
			if len(r.Errors) > 0 {
				reason = checks.T(reason.JA+"。最初の記録: "+checks.Raw(r.Errors[0]), reason.EN+"; "+r.Errors[0])
			}
			return []checks.Finding{checks.UnsureT(c, o, subject, reason)}
		}
		return fn(o, r)
	})
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

func mode(r *scanners.TLSScan) string {
	if r.StartTLS != "" {
		return "STARTTLS/" + strings.ToUpper(r.StartTLS)
	}
	return "TLS"
}

func typeText(name string, st settingType) checks.Text {
	return checks.T(fmt.Sprintf("%s（%s）", st.NameJA, name), name)
}
