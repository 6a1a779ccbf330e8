package webcheck

import (
	"strconv"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(httpsRedirect{}) }

var _ checks.Check = httpsRedirect{}

// hstsMinAge is one year, the floor checks.md sets for HSTS max-age.
const hstsMinAge = 31536000

// httpsRedirect implements http.https-redirect (Art. 61-1-5, 63-3): plain
// HTTP must redirect to HTTPS when the host serves HTTPS (fail otherwise);
// HTTPS sites must send HSTS with max-age of at least a year (warn).
type httpsRedirect struct{}

func (httpsRedirect) Info() checks.Info {
	return checks.Info{
		ID: "http.https-redirect", Articles: []string{"61-1-5", "63-3"}, Needs: []string{scanners.ProbeHTTPSite},
		Severity: checks.Medium,
		Title:    checks.T("HTTPS への転送と HSTS", "HTTPS redirect and HSTS"),
		Remediation: checks.T("HTTP（80番）へのアクセスを HTTPS へ 301 転送し、Strict-Transport-Security: max-age=31536000 以上を送信してください。",
			"redirect plain HTTP (port 80) to HTTPS with 301 and send Strict-Transport-Security with max-age of at least 31536000"),
	}
}

func (c httpsRedirect) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSite(in, info, func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
		if s.Scheme == "https" {
			return []checks.Finding{c.hsts(in, info, o, s)}
		}
		first := &s.Root
		if len(s.RootChain) > 0 {
			first = &s.RootChain[0]
		}
		if first.Status == 0 {
			return []checks.Finding{checks.Observed(info, o, "redirect", checks.Error,
				checks.T("トップページを取得できませんでした: "+first.Error, "the root page could not be fetched: "+first.Error)).WithEvidence()}
		}
		loc := strings.ToLower(first.Header("Location"))
		if first.Status >= 300 && first.Status < 400 && strings.HasPrefix(loc, "https://") {
			return []checks.Finding{checks.Observed(info, o, "redirect", checks.Pass,
				checks.T("HTTPS へ転送しています（"+first.StatusLine+" → "+first.Header("Location")+"）",
					"plain HTTP redirects to HTTPS ("+first.StatusLine+" to "+first.Header("Location")+")")).WithEvidence(ev(first, "GET / over HTTP"))}
		}
		switch {
		case s.HTTPSServed:
			return []checks.Finding{checks.Observed(info, o, "redirect", checks.Fail,
				checks.T("HTTPS を提供しているのに HTTP から転送していません（"+first.StatusLine+"）",
					"the host serves HTTPS but plain HTTP is not redirected ("+first.StatusLine+")")).WithEvidence(ev(first, "GET / over HTTP"))}
		case !s.HTTPSChecked:
			return []checks.Finding{checks.Observed(info, o, "redirect", checks.Error,
				checks.T("HTTP は転送していませんが、HTTPS の提供有無を確認できませんでした: "+s.HTTPSError,
					"plain HTTP is not redirected and whether the host serves HTTPS could not be checked: "+s.HTTPSError)).WithEvidence(ev(first, "GET / over HTTP"))}
		}
		f := checks.Observed(info, o, "redirect", checks.Warn,
			checks.T("HTTPS が提供されておらず、通信が暗号化されません（443番: "+s.HTTPSError+"）",
				"the host offers no HTTPS, so traffic is not encrypted (port 443: "+s.HTTPSError+")")).WithEvidence(ev(first, "GET / over HTTP"))
		return []checks.Finding{f}
	})
}

func (c httpsRedirect) hsts(in *checks.Input, info checks.Info, o scanners.Observation, s *scanners.HTTPSite) checks.Finding {
	x := &s.Root
	if x.Status == 0 {
		return checks.Observed(info, o, "hsts", checks.Error,
			checks.T("トップページを取得できませんでした: "+x.Error, "the root page could not be fetched: "+x.Error)).WithEvidence()
	}
	raw := x.Header("Strict-Transport-Security")
	h, ok := ParseHSTS(raw)
	if ok && h.MaxAge >= hstsMinAge {
		return checks.Observed(info, o, "hsts", checks.Pass,
			checks.T("HSTS が設定されています: "+raw, "HSTS is set: "+raw)).WithEvidence(ev(x, "GET / over HTTPS"))
	}
	ja, en := "HSTS が送信されていません。", "no Strict-Transport-Security header"
	if raw != "" && !ok {
		ja, en = "HSTS ヘッダが不正です: "+raw, "malformed Strict-Transport-Security: "+raw
	} else if raw != "" {
		ja = "HSTS の max-age が 1 年未満です（" + strconv.FormatInt(h.MaxAge, 10) + " 秒）"
		en = "HSTS max-age is shorter than one year (" + strconv.FormatInt(h.MaxAge, 10) + " s)"
	}
	f := checks.Observed(info, o, "hsts", checks.Warn, checks.T(ja, en)).WithEvidence(ev(x, "GET / over HTTPS"))
	f.Severity = checks.Low
	return f
}
