package webcheck

import (
	"regexp"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(cleartextLogin{}) }

var _ checks.Check = cleartextLogin{}

// cleartextLogin implements http.cleartext-login (Art. 16-4-2): forms
// with password inputs or WWW-Authenticate: Basic over plain HTTP (or a
// password form on HTTPS that posts to http://); fails when credentials
// would travel unencrypted.
type cleartextLogin struct{}

func (cleartextLogin) Info() checks.Info {
	return checks.Info{
		ID: "http.cleartext-login", Articles: []string{"16-4-2"}, Needs: []string{scanners.ProbeHTTPSite},
		Severity: checks.High,
		Title:    checks.T("平文での認証情報送信", "Credentials sent in cleartext"),
		Detail: checks.T("平文 HTTP でのパスワード入力や Basic 認証は見つかりませんでした。",
			"no password form or Basic authentication over plain HTTP was found"),
		Remediation: checks.T("ログイン画面・認証は HTTPS でのみ提供し、HTTP は HTTPS へ転送してください。",
			"serve login pages and authentication over HTTPS only and redirect HTTP to HTTPS"),
	}
}

var (
	rePasswordInput = regexp.MustCompile(`(?i)<input[^>]*\btype\s*=\s*["']?password\b`)
	reFormAction    = regexp.MustCompile(`(?is)<form[^>]*\baction\s*=\s*["']?(http://[^"'\s>]+)[^>]*>(?:[^<]|<[^/]|</[^f])*?<input[^>]*\btype\s*=\s*["']?password\b`)
)

func (c cleartextLogin) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSite(in, info, func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
		pages := []*scanners.HTTPExchange{&s.Root}
		for i := range s.Folders {
			pages = append(pages, &s.Folders[i])
		}
		for i := range s.Files {
			pages = append(pages, &s.Files[i])
		}
		var out []checks.Finding
		for _, x := range pages {
			if x.Status == 0 || x.Soft404 {
				continue
			}
			if s.Scheme == "http" {
				if strings.HasPrefix(strings.ToLower(strings.TrimSpace(x.Header("WWW-Authenticate"))), "basic") {
					out = append(out, checks.Observed(info, o, x.Path, checks.Fail,
						checks.T(x.Path+" が平文 HTTP で Basic 認証を要求しています。", x.Path+" asks for Basic authentication over plain HTTP")).WithEvidence(ev(x, "Basic auth at "+x.Path)))
					continue
				}
				if x.Status == 200 && rePasswordInput.Match(x.Body) {
					out = append(out, checks.Observed(info, o, x.Path, checks.Fail,
						checks.T(x.Path+" のパスワード入力欄が平文 HTTP で提供されています。", x.Path+" serves a password form over plain HTTP")).WithEvidence(ev(x, "password form at "+x.Path)))
				}
				continue
			}
			if m := reFormAction.FindSubmatch(x.Body); x.Status == 200 && m != nil {
				out = append(out, checks.Observed(info, o, x.Path, checks.Fail,
					checks.T(x.Path+" のログインフォームが平文 HTTP へ送信します: "+string(m[1]),
						x.Path+" has a password form that posts to plain HTTP: "+string(m[1]))).WithEvidence(ev(x, "password form at "+x.Path)))
			}
		}
		if len(out) > 0 {
			return out
		}
		if s.Root.Status == 0 {
			return []checks.Finding{checks.Observed(info, o, "", checks.Error,
				checks.T("トップページを取得できませんでした: "+s.Root.Error, "the root page could not be fetched: "+s.Root.Error)).WithEvidence()}
		}
		return []checks.Finding{checks.Observed(info, o, "", checks.Pass, checks.Text{}).WithEvidence()}
	})
}
