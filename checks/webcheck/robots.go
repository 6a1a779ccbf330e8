package webcheck

import (
	"bufio"
	"bytes"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(robots{}) }

var _ checks.Check = robots{}

// robots implements http.robots (Art. 83-1): /robots.txt; fails when the
// group for "User-agent: *" has "Disallow: /" on a public site.
type robots struct{}

func (robots) Info() checks.Info {
	return checks.Info{
		ID: "http.robots", Articles: []string{"83-1"}, Needs: []string{scanners.ProbeHTTPSite},
		Severity: checks.Medium,
		Title:    checks.T("検索エンジンによる収集の拒否", "Crawlers excluded by robots.txt"),
		Remediation: checks.T("公開サイトでは robots.txt で全クローラを拒否（Disallow: /）しないでください。",
			"do not exclude all crawlers (User-agent: * / Disallow: /) on a public site"),
	}
}

// RobotsExcludesAll reports whether robots.txt content excludes every
// crawler from the whole site: a group naming "*" whose rules include
// "Disallow: /" with no "Allow" that re-opens the root.
func RobotsExcludesAll(b []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	starGroup, inAgents, disallowAll, allowRoot := false, false, false, false
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "user-agent":
			if !inAgents {
				starGroup = false // a new group starts
			}
			inAgents = true
			if v == "*" {
				starGroup = true
			}
		case "disallow":
			inAgents = false
			if starGroup && v == "/" {
				disallowAll = true
			}
		case "allow":
			inAgents = false
			if starGroup && (v == "/" || v == "/$") {
				allowRoot = true
			}
		default:
			inAgents = false
		}
	}
	return disallowAll && !allowRoot
}

func (c robots) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSite(in, info, func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
		x := s.Robots
		switch {
		case x == nil || x.Status == 0:
			reason := "not requested"
			if x != nil {
				reason = x.Error
			}
			return []checks.Finding{checks.Observed(info, o, "/robots.txt", checks.Error,
				checks.T("robots.txt を取得できませんでした: "+reason, "robots.txt could not be fetched: "+reason)).WithEvidence()}
		case x.Status >= 500:
			return []checks.Finding{checks.Observed(info, o, "/robots.txt", checks.Error,
				checks.T("robots.txt がサーバエラーを返しました: "+x.StatusLine, "robots.txt answered a server error: "+x.StatusLine)).WithEvidence(ev(x, "GET /robots.txt"))}
		case x.Status != 200 || x.Soft404:
			return []checks.Finding{checks.Observed(info, o, "/robots.txt", checks.Pass,
				checks.T("robots.txt はありません（収集は拒否されていません）。", "there is no robots.txt, so crawlers are not excluded")).WithEvidence(ev(x, "GET /robots.txt"))}
		case RobotsExcludesAll(x.Body):
			f := checks.Observed(info, o, "/robots.txt", checks.Fail,
				checks.T("robots.txt が全クローラにサイト全体の収集を拒否しています（User-agent: * / Disallow: /）。",
					"robots.txt excludes every crawler from the whole site (User-agent: * / Disallow: /)")).WithEvidence(ev(x, "GET /robots.txt"))
			return []checks.Finding{f}
		}
		return []checks.Finding{checks.Observed(info, o, "/robots.txt", checks.Pass,
			checks.T("robots.txt は全クローラを拒否していません。", "robots.txt does not exclude all crawlers")).WithEvidence(ev(x, "GET /robots.txt"))}
	})
}
