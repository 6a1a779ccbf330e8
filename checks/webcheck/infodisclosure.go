package webcheck

import (
	"regexp"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(infoDisclosure{}) }

var _ checks.Check = infoDisclosure{}

// infoDisclosure implements http.info-disclosure (Art. 62-3): Server,
// X-Powered-By, X-AspNet-Version and error pages (404, 400, 405); fails
// when a version number or a stack trace is sent.
type infoDisclosure struct{}

func (infoDisclosure) Info() checks.Info {
	return checks.Info{
		ID: "http.info-disclosure", Articles: []string{"62-3"}, Needs: []string{siteProbe},
		Severity: checks.Low,
		Title:    checks.T("ソフトウェア情報の露出", "Software version disclosure"),
		Detail: checks.T("応答ヘッダとエラーページにバージョン番号やスタックトレースは含まれていませんでした。",
			"no version number or stack trace in headers or error pages"),
		Remediation: checks.T("server_tokens off（nginx）、ServerTokens Prod / ServerSignature Off（Apache）等でバージョン表示を止め、X-Powered-By を削除してください。",
			"hide versions (nginx server_tokens off; Apache ServerTokens Prod and ServerSignature Off), drop X-Powered-By/X-AspNet-Version, and use error pages without stack traces"),
	}
}

var (
	reVersion    = regexp.MustCompile(`\d+\.\d+`)
	reSignature  = regexp.MustCompile(`(?i)\b(?:apache|nginx|lighttpd|microsoft-iis|openresty|apache tomcat|jetty|php|openssl|caddy)/?\s?\d+\.\d+[.\w-]*`)
	reStackTrace = regexp.MustCompile(`(?:Traceback \(most recent call last\)|\n\s+at [\w$.]+\([\w$]+\.java:\d+\)|Stack trace:\s*\n#0 |Fatal error: .* on line \d+|System\.[A-Za-z.]+Exception: .*\n\s+at |<b>Warning</b>: .* on line <b>\d+)`)
)

func (c infoDisclosure) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSite(in, info, func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
		var out []checks.Finding
		seen := map[string]bool{}
		add := func(subject string, x *scanners.HTTPExchange, ja, en string) {
			if seen[subject] {
				return
			}
			seen[subject] = true
			f := finding(info, o, subject, checks.Fail, checks.T(ja, en), ev(x, x.Request))
			f.Severity = sevFor(in, info.ID, f.Severity)
			out = append(out, f)
		}
		all := []*scanners.HTTPExchange{&s.Root}
		for i := range s.Errors {
			all = append(all, &s.Errors[i])
		}
		for i := range s.Methods {
			all = append(all, &s.Methods[i].Exchange)
		}
		for i := range s.Files {
			all = append(all, &s.Files[i])
		}
		for _, x := range all {
			for _, h := range []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Generator"} {
				v := x.Header(h)
				if v != "" && reVersion.MatchString(v) {
					add("header:"+h, x, h+" ヘッダがバージョンを示しています: "+v, h+" header discloses a version: "+v)
				}
			}
			if x.Status < 400 {
				continue
			}
			if m := reSignature.Find(x.Body); m != nil {
				add("error-page", x, "エラーページ（"+x.StatusLine+"）にバージョンが表示されます: "+string(m),
					"error page ("+x.StatusLine+") shows a version: "+string(m))
			}
			if m := reStackTrace.Find(x.Body); m != nil {
				add("stack-trace", x, "エラーページにスタックトレースが表示されます。", "an error page shows a stack trace")
			}
		}
		if len(out) > 0 {
			return out
		}
		if len(s.Errors) == 0 || s.Errors[0].Status == 0 {
			return []checks.Finding{finding(info, o, "", checks.Error,
				checks.T("エラーページを取得できませんでした。", "no error page could be fetched"))}
		}
		return []checks.Finding{finding(info, o, "", checks.Pass, checks.Text{}, ev(&s.Errors[0], "error page"))}
	})
}
