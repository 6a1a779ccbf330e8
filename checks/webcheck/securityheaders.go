package webcheck

import (
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(securityHeaders{}) }

var _ checks.Check = securityHeaders{}

// securityHeaders implements http.security-headers (Art. 62-1): CSP,
// X-Content-Type-Options, X-Frame-Options/frame-ancestors,
// Referrer-Policy on the root page; warn per missing header.
type securityHeaders struct{}

func (securityHeaders) Info() checks.Info {
	return checks.Info{
		ID: "http.security-headers", Articles: []string{"62-1"}, Needs: []string{scanners.ProbeHTTPSite},
		Severity: checks.Low,
		Title:    checks.T("セキュリティ関連ヘッダ", "Security headers"),
		Remediation: checks.T("Content-Security-Policy、X-Content-Type-Options: nosniff、X-Frame-Options（または frame-ancestors）、Referrer-Policy を応答に付与してください。",
			"send Content-Security-Policy, X-Content-Type-Options: nosniff, X-Frame-Options (or CSP frame-ancestors) and Referrer-Policy"),
	}
}

func (c securityHeaders) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSite(in, info, func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
		x := &s.Root
		if x.Status == 0 {
			return []checks.Finding{checks.Observed(info, o, "", checks.Error,
				checks.T("トップページを取得できませんでした: "+x.Error, "the root page could not be fetched: "+x.Error)).WithEvidence()}
		}
		if x.Status >= 300 && x.Status < 400 && strings.HasPrefix(strings.ToLower(x.Header("Location")), "https://") && s.Scheme == "http" {
			return []checks.Finding{checks.Observed(info, o, "", checks.Skipped,
				checks.T("HTTPS へ転送しているため、ヘッダは HTTPS 側で評価します。", "the site redirects to HTTPS; headers are graded there")).WithEvidence(ev(x, "GET /"))}
		}
		csp := ParseCSP(strings.Join(x.HeaderValues("Content-Security-Policy"), ";"))
		_, frameAnc := csp["frame-ancestors"]
		xfo := strings.ToLower(strings.TrimSpace(x.Header("X-Frame-Options")))
		rows := []struct {
			name    string
			present bool
		}{
			{"Content-Security-Policy", len(csp) > 0},
			{"X-Content-Type-Options", strings.EqualFold(strings.TrimSpace(x.Header("X-Content-Type-Options")), "nosniff")},
			{"X-Frame-Options", xfo == "deny" || xfo == "sameorigin" || frameAnc},
			{"Referrer-Policy", strings.TrimSpace(x.Header("Referrer-Policy")) != ""},
		}
		var out []checks.Finding
		for _, r := range rows {
			if r.present {
				out = append(out, checks.Observed(info, o, r.name, checks.Pass,
					checks.T(r.name+" が設定されています。", r.name+" is set")).WithEvidence(ev(x, "GET /")))
				continue
			}
			f := checks.Observed(info, o, r.name, checks.Warn,
				checks.T(r.name+" が設定されていないか無効です。", r.name+" is missing or invalid")).WithEvidence(ev(x, "GET /"))
			out = append(out, f)
		}
		return out
	})
}
