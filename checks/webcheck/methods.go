package webcheck

import (
	"path"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(methods{}) }

var _ checks.Check = methods{}

// methods implements http.methods (Art. 61-1-1): real TRACE/TRACK, PUT to
// a random new name (verified, then deleted), DELETE of that file and
// PROPFIND; fails when TRACE echoes the request or PUT/DELETE/WebDAV is
// enabled. OPTIONS alone is never trusted.
type methods struct{}

func (methods) Info() checks.Info {
	return checks.Info{
		ID: "http.methods", Articles: []string{"61-1-1"}, Needs: []string{siteProbe},
		Severity: checks.Medium,
		Title:    checks.T("不要な HTTP メソッド", "Unneeded HTTP methods"),
		Detail: checks.T("TRACE/TRACK、PUT、DELETE、WebDAV はいずれも有効ではありませんでした。",
			"TRACE/TRACK, PUT, DELETE and WebDAV were all found disabled"),
		Remediation: checks.T("TRACE を無効化し（Apache: TraceEnable off）、不要な WebDAV・PUT/DELETE を停止してください。",
			"disable TRACE (Apache: TraceEnable off) and turn off WebDAV and PUT/DELETE where they are not needed"),
	}
}

func (c methods) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSite(in, info, func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
		var out []checks.Finding
		var errs []string
		for i := range s.Methods {
			m := &s.Methods[i]
			if m.Error != "" {
				errs = append(errs, m.Method+" "+m.Path+": "+m.Error)
				continue
			}
			if !m.Enabled {
				continue
			}
			subject := m.Method + " " + m.Path
			if m.Method == "PUT" || m.Method == "DELETE" {
				// The test file's name is random; the folder keeps the finding ID stable.
				subject = m.Method + " " + path.Dir(m.Path+"x")
				if !strings.HasSuffix(subject, "/") {
					subject += "/"
				}
			}
			f := finding(info, o, subject, checks.Fail,
				checks.T(methodJA(m)+"（"+m.Path+"）", m.Detail),
				ev(&m.Exchange, m.Method+" "+m.Path))
			if m.Method == "PUT" || m.Method == "DELETE" {
				f.Severity = checks.High
			}
			f.Severity = sevFor(in, info.ID, f.Severity)
			out = append(out, f)
		}
		switch {
		case len(out) > 0:
			return out
		case len(s.Methods) == 0:
			return []checks.Finding{finding(info, o, "", checks.Error,
				checks.T("メソッドの試験を実施できませんでした。", "no method could be tested"))}
		case len(errs) > 0:
			return []checks.Finding{finding(info, o, "", checks.Error,
				checks.T("一部のメソッドを試験できませんでした: "+errs[0], "some methods could not be tested: "+errs[0]))}
		}
		var evs []scanners.Evidence
		for i := range s.Methods {
			if s.Methods[i].Method == "TRACE" {
				evs = append(evs, ev(&s.Methods[i].Exchange, "TRACE /"))
			}
		}
		return []checks.Finding{finding(info, o, "", checks.Pass, checks.Text{}, evs...)}
	})
}

func methodJA(m *scanners.HTTPMethodTest) string {
	switch m.Method {
	case "TRACE", "TRACK":
		return m.Method + " がリクエストをそのまま返します（クロスサイトトレーシングの危険）"
	case "PUT":
		return "PUT でファイルを作成でき、GET で読み出せました（試験ファイルは削除済み）"
	case "DELETE":
		return "DELETE でファイルを削除できました"
	case "PROPFIND":
		return "WebDAV（PROPFIND 207 Multi-Status）が有効です"
	}
	return m.Method + " が有効です"
}
