package webcheck

import (
	"regexp"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(infoDisclosure{}) }

var _ checks.Check = infoDisclosure{}

// infoDisclosure implements http.info-disclosure (Art. 62-3): Server,
// X-Powered-By, X-AspNet-Version, error pages (404, 400, 405) and the
// server signature that generated 200 pages carry in their footers
// (listings, default pages); fails when a version number or a stack trace
// is sent.
type infoDisclosure struct{}

func (infoDisclosure) Info() checks.Info {
	return checks.Info{
		ID: "http.info-disclosure", Articles: []string{"62-3"}, Needs: []string{scanners.ProbeHTTPSite},
		Severity: checks.Low,
		Title:    checks.T("ソフトウェア情報の露出", "Software version disclosure"),
		Detail: checks.T("応答ヘッダ、エラーページ、ページのサーバ署名にバージョン番号やスタックトレースは含まれていませんでした。",
			"no version number or stack trace in headers, error pages or server-signature footers"),
		Remediation: checks.T("server_tokens off（nginx）、ServerTokens Prod / ServerSignature Off（Apache）等でバージョン表示を止め、X-Powered-By を削除してください。",
			"hide versions (nginx server_tokens off; Apache ServerTokens Prod and ServerSignature Off), drop X-Powered-By/X-AspNet-Version, and use error pages without stack traces"),
	}
}

var (
	reVersion   = regexp.MustCompile(`\d+\.\d+`)
	reSignature = regexp.MustCompile(`(?i)\b(?:apache|nginx|lighttpd|microsoft-iis|openresty|apache tomcat|tomcat|jetty(?:://)?|php|openssl|caddy|node\.js|simplehttp|python|werkzeug|gunicorn|busybox|mini_httpd|thttpd|webfs|darkhttpd|http-server)(?:/|\s)?v?\d+\.\d+[.\w-]*`)
	// reFooter finds where generators sign the pages they make: address
	// lines (Apache, http-server), footer blocks (lighttpd), "Powered by"
	// lines (Jetty) and Tomcat's trailing heading.
	reFooter     = regexp.MustCompile(`(?is)<address[^>]*>(.{0,400}?)</address>|<div class="foot">(.{0,200}?)</div>|powered by\s*(?:<[^>]*>\s*)*(.{0,100})|<h3>(.{0,100}?)</h3>\s*</body>`)
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
			f := checks.Observed(info, o, subject, checks.Fail, checks.T(ja, en)).WithEvidence(ev(x, x.Request))
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
		for i := range s.Folders {
			all = append(all, &s.Folders[i])
		}
		for i := range s.Pages {
			all = append(all, &s.Pages[i])
		}
		for _, x := range all {
			for _, h := range []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Generator"} {
				v := x.Header(h)
				if v != "" && reVersion.MatchString(v) {
					add("header:"+h, x, h+" ヘッダがバージョンを示しています: "+v, h+" header discloses a version: "+v)
				}
			}
			if x.Status < 400 {
				// A page the server generated (a listing, a default page)
				// signs it in its footer; page content is the site's own
				// words and is not read.
				if x.Soft404 || x.Status != 200 {
					continue
				}
				if sig := footerSignature(x.Body); sig != "" {
					add("page-signature", x, x.Path+" のフッタ（サーバ署名）にバージョンが表示されます: "+sig,
						"the server signature in the footer of "+x.Path+" shows a version: "+sig)
				}
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
			return []checks.Finding{checks.Observed(info, o, "", checks.Error,
				checks.T("エラーページを取得できませんでした。", "no error page could be fetched")).WithEvidence()}
		}
		return []checks.Finding{checks.Observed(info, o, "", checks.Pass, checks.Text{}).WithEvidence(ev(&s.Errors[0], "error page"))}
	})
}

// footerSignature returns the versioned product named in a page's
// server-signature footer, "" when there is none.
func footerSignature(b []byte) string {
	for _, m := range reFooter.FindAllSubmatch(b, 8) {
		for _, g := range m[1:] {
			if sig := reSignature.Find(g); sig != nil {
				return string(sig)
			}
		}
	}
	return ""
}
