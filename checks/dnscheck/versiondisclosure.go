package dnscheck

import (
	"net/netip"
	"regexp"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(versionDisclosure{}) }

var _ checks.Check = versionDisclosure{}

// versionPattern is a software version: digits, a dot, digits.
var versionPattern = regexp.MustCompile(`\d+\.\d+`)

// versionDisclosure implements dns.version-disclosure (Art. 62-3): CH TXT
// version.bind, hostname.bind, id.server and the NSID option. Fails (low)
// when a software version string is returned; a host name alone passes
// with a note; no reply to any of the queries is error.
type versionDisclosure struct{}

func (versionDisclosure) Info() checks.Info {
	return checks.Info{
		ID: "dns.version-disclosure", Articles: []string{"62-3"}, Needs: []string{scanners.ProbeDNSServer, scanners.ProbeDNSUDP},
		Severity: checks.Low,
		Title:    checks.T("DNS サーバのバージョン情報の開示", "DNS server version disclosure"),
		Remediation: checks.T(
			"バージョン情報を返さないよう設定してください（BIND: `options { version none; hostname none; server-id none; };`、Unbound: `hide-version: yes`、`hide-identity: yes`）。",
			"Do not answer version queries (BIND: options { version none; hostname none; server-id none; }; Unbound: hide-version: yes, hide-identity: yes)."),
	}
}

// Evaluate fails on a version only (62-3: send nothing that could give an
// attacker a foothold, and a version names the exploits to try); a host
// name from hostname.bind or id.server is an operational identifier and
// passes with a note.
func (c versionDisclosure) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return checks.EachOf(in, info, []string{scanners.ProbeDNSServer, scanners.ProbeDNSUDP}, "", func(o scanners.Observation, s *scanners.DNSServer) []checks.Finding {
		var out []checks.Finding
		var versions, others, answered []string
		var ev []scanners.Evidence
		for _, id := range s.Identity {
			if id.Rcode == "" {
				continue // no reply: says nothing either way
			}
			answered = append(answered, id.Query+": "+id.Rcode)
			if id.Value == "" {
				continue
			}
			line := id.Query + " = \"" + id.Value + "\""
			ev = append(ev, dnsEvidence(line, ""))
			if isVersion(id.Value) {
				versions = append(versions, line)
			} else {
				others = append(others, line)
			}
		}
		var f checks.Finding
		switch {
		case len(versions) > 0:
			f = checks.Observed(info, o, "", checks.Fail, checks.T(
				"ソフトウェアのバージョンが返されました: "+strings.Join(versions, "; "),
				"a software version is disclosed: "+strings.Join(versions, "; ")))

		case len(answered) == 0:
			f = checks.Observed(info, o, "", checks.Error, checks.T(
				"バージョン問い合わせ（CH TXT、NSID）に応答がありませんでした",
				"no reply to the version queries (CH TXT, NSID)"))

		default:
			ja, en := "バージョン情報は返されませんでした（"+strings.Join(answered, ", ")+"）", "no version is disclosed ("+strings.Join(answered, ", ")+")"
			if len(others) > 0 {
				ja += "。識別情報: " + strings.Join(others, "; ")
				en += "; identity strings: " + strings.Join(others, "; ")
			}
			f = checks.Observed(info, o, "", checks.Pass, checks.T(ja, en))
		}
		if len(ev) > 0 {
			f.Evidence = ev
		}
		out = append(out, f)
		return out
	})
}

// isVersion reports whether v carries a version number; an address (a
// common id.server answer) is not one.
func isVersion(v string) bool {
	if _, err := netip.ParseAddr(strings.TrimSpace(v)); err == nil {
		return false
	}
	return versionPattern.MatchString(v)
}
