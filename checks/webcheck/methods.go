package webcheck

import (
	"path"
	"slices"
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
		ID: "http.methods", Articles: []string{"61-1-1"}, Needs: []string{scanners.ProbeHTTPSite},
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
		fs := c.site(in, info, o, s)
		// Advertised but unverified methods are evidence, never a verdict:
		// OPTIONS alone is not trusted (nmap's http-methods reports them).
		if note, ok := advertisedNote(s); ok {
			for i := range fs {
				fs[i].Detail = appendText(fs[i].Detail, note)
				fs[i].Evidence = append(fs[i].Evidence, ev(s.Options, note.EN))
			}
		}
		return fs
	})
}

func (methods) site(in *checks.Input, info checks.Info, o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
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
		f := checks.Observed(info, o, methodSubject(m), checks.Fail,
			checks.T(methodJA(m)+"（"+m.Path+"）", m.Detail)).WithEvidence(ev(&m.Exchange, m.Method+" "+m.Path))
		if m.Method == "PUT" || m.Method == "DELETE" {
			f.Severity = checks.High
		}
		out = append(out, f)
	}
	switch {
	case len(out) > 0:
		return out
	case len(s.Methods) == 0:
		return []checks.Finding{checks.Observed(info, o, "", checks.Error,
			checks.T("メソッドの試験を実施できませんでした。", "no method could be tested")).WithEvidence()}
	case len(errs) > 0:
		return []checks.Finding{checks.Observed(info, o, "", checks.Error,
			checks.T("一部のメソッドを試験できませんでした: "+errs[0], "some methods could not be tested: "+errs[0])).WithEvidence()}
	}
	var evs []scanners.Evidence
	for i := range s.Methods {
		if s.Methods[i].Method == "TRACE" {
			evs = append(evs, ev(&s.Methods[i].Exchange, "TRACE /"))
		}
	}
	return []checks.Finding{checks.Observed(info, o, "", checks.Pass, covered(s.Methods)).WithEvidence(evs...)}
}

// methodSubject names a method test: the folder, not the random test file,
// for PUT and DELETE, so the finding ID stays stable.
func methodSubject(m *scanners.HTTPMethodTest) string {
	if m.Method != "PUT" && m.Method != "DELETE" {
		return m.Method + " " + m.Path
	}
	dir := path.Dir(m.Path + "x")
	if !strings.HasSuffix(dir, "/") {
		dir += "/"
	}
	return m.Method + " " + dir
}

// covered is the pass detail: the method tests that ran, each found
// disabled. DELETE is only ever sent to a file the scan's own PUT created,
// so after a refused PUT it was not tried, and the pass says so rather
// than claim it.
func covered(ms []scanners.HTTPMethodTest) checks.Text {
	var tried []string
	deleted := false
	for i := range ms {
		if sub := methodSubject(&ms[i]); !slices.Contains(tried, sub) {
			tried = append(tried, sub)
		}
		deleted = deleted || ms[i].Method == "DELETE"
	}
	list := strings.Join(tried, ", ")
	ja, en := "試験したメソッドはいずれも有効ではありませんでした: "+list, "every method tested was found disabled: "+list
	if !deleted {
		ja += "（DELETE は PUT で作成できたファイルにのみ試すため、試験していません）"
		en += " (DELETE is only tried on a file PUT created, so it was not tried)"
	}
	return checks.T(ja, en)
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

// commonMethods are not worth reporting when advertised: reading and
// submitting is what a web server is for.
var commonMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "OPTIONS": true}

// maxAdvertised bounds what a hostile Allow header can put in a finding.
const maxAdvertised = 16

// advertised returns the methods the OPTIONS / reply names in Allow (or
// the older Public) that no test found enabled, apart from commonMethods:
// tried were tested on the site and found disabled, untried are not
// tested by this check at all (e.g. CONNECT, PATCH).
func advertised(s *scanners.HTTPSite) (tried, untried []string) {
	if s.Options == nil || s.Options.Status == 0 {
		return nil, nil
	}
	tested, enabled := map[string]bool{}, map[string]bool{}
	for _, m := range s.Methods {
		if m.Error == "" {
			tested[m.Method] = true
		}
		if m.Enabled {
			enabled[m.Method] = true
		}
	}
	seen := map[string]bool{}
	for _, h := range []string{"Allow", "Public"} {
		for _, v := range s.Options.Headers[h] {
			for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
				m := strings.ToUpper(tok)
				if !methodToken(m) || seen[m] || commonMethods[m] || enabled[m] {
					continue
				}
				seen[m] = true
				if len(seen) > maxAdvertised {
					return tried, untried
				}
				if tested[m] {
					tried = append(tried, m)
				} else {
					untried = append(untried, m)
				}
			}
		}
	}
	return tried, untried
}

// methodToken accepts what could be a method name (RFC 9110 token,
// restricted to the characters real methods use).
func methodToken(m string) bool {
	if m == "" || len(m) > 32 {
		return false
	}
	for _, r := range m {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// advertisedNote says which advertised methods were not verified, in both
// languages; ok is false when there is nothing to say.
func advertisedNote(s *scanners.HTTPSite) (checks.Text, bool) {
	tried, untried := advertised(s)
	if len(tried)+len(untried) == 0 {
		return checks.Text{}, false
	}
	all := strings.Join(append(append([]string{}, untried...), tried...), ", ")
	var ja, en []string
	if len(untried) > 0 {
		u := strings.Join(untried, ", ")
		ja = append(ja, u+" はこの検査では試験していません")
		en = append(en, u+" not tried by this check")
		for _, m := range untried {
			if m == "CONNECT" {
				ja = append(ja, "CONNECT によるプロキシ中継は service.reflector が検査します")
				en = append(en, "CONNECT proxying is service.reflector's check")
			}
		}
	}
	if len(tried) > 0 {
		t := strings.Join(tried, ", ")
		ja = append(ja, t+" は試験の結果、有効ではありませんでした")
		en = append(en, t+" tried and found disabled")
	}
	return checks.T(
		"OPTIONS / の応答は "+all+" を許可メソッドとして通知していますが、試験では悪用できることを確認していません（"+strings.Join(ja, "。")+"）。",
		"OPTIONS / advertises: "+all+" (not exploitable as tested: "+strings.Join(en, "; ")+")"), true
}

// appendText adds a sentence to a bilingual text.
func appendText(a, b checks.Text) checks.Text {
	ja := a.JA
	if ja != "" && !strings.HasSuffix(ja, "。") {
		ja += "。"
	}
	en := a.EN
	if en != "" {
		en += "; "
	}
	return checks.Text{JA: ja + b.JA, EN: en + b.EN}
}
