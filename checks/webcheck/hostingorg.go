package webcheck

import (
	"bufio"
	"bytes"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(hostingOrg{}) }

var _ checks.Check = hostingOrg{}

// hostingOrg implements http.hosting-org (Art. 84-2): security.txt and
// the certificate subject organisation, as inventory (info only, as
// checks.md says); error when the site could not be read.
type hostingOrg struct{}

func (hostingOrg) Info() checks.Info {
	return checks.Info{
		ID: "http.hosting-org", Articles: []string{"84-2"}, Needs: []string{scanners.ProbeHTTPSite},
		Severity: checks.None, // info only
		Title:    checks.T("運営組織の表示", "Organisation operating the site"),
	}
}

// SecurityTxtFields returns the Contact and Canonical values and the
// Expires date of a security.txt body (RFC 9116 §2.5).
func SecurityTxtFields(b []byte) map[string][]string {
	out := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for n := 0; sc.Scan() && n < 200; n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		switch k {
		case "contact", "canonical", "expires", "policy", "preferred-languages":
			out[k] = append(out[k], strings.TrimSpace(v))
		}
	}
	return out
}

func (c hostingOrg) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSite(in, info, func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
		if s.Root.Status == 0 {
			return []checks.Finding{checks.Observed(info, o, "", checks.Error,
				checks.T("トップページを取得できませんでした: "+s.Root.Error, "the root page could not be fetched: "+s.Root.Error)).WithEvidence()}
		}
		var ja, en []string
		var evs []scanners.Evidence
		if x := s.SecurityTxt; x != nil && x.Status == 200 && !x.Soft404 {
			f := SecurityTxtFields(x.Body)
			if len(f["contact"]) > 0 {
				ja = append(ja, "security.txt の連絡先: "+strings.Join(f["contact"], ", "))
				en = append(en, "security.txt contact: "+strings.Join(f["contact"], ", "))
				evs = append(evs, ev(x, "GET /.well-known/security.txt"))
			}
		}
		if len(s.Root.TLSOrg) > 0 {
			ja = append(ja, "証明書の組織名: "+strings.Join(s.Root.TLSOrg, ", "))
			en = append(en, "certificate organisation: "+strings.Join(s.Root.TLSOrg, ", "))
		}
		if len(ja) == 0 {
			ja = append(ja, "security.txt も証明書の組織名もなく、運営組織を確認できません。")
			en = append(en, "neither security.txt nor a certificate organisation names the operator")
		}
		return []checks.Finding{checks.Observed(info, o, "", checks.InfoS, checks.T(strings.Join(ja, "。"), strings.Join(en, "; "))).WithEvidence(evs...)}
	})
}
