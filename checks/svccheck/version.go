package svccheck

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/checks/vulnfeed"
	"shindan/scanners"
)

func init() { checks.Register(version{}) }

var _ checks.Check = version{}

// version implements service.version (Art. 34-2): every identified
// service's product and version, as a CPE 2.3 name, is inventory (info);
// a version that the user's offline vulnerability feed (--vuln-feed, NVD
// CVE JSON 2.0 or OSV) lists as affected fails, graded by the worst entry.
// An open port whose service could not be identified is an error: its
// version is unknown, not safe.
type version struct{}

func (version) Info() checks.Info {
	return checks.Info{
		ID: "service.version", Articles: []string{"34-2"}, Needs: []string{scanners.ProbeSvcIdent}, Severity: checks.High,
		Title: checks.T("ソフトウェアのバージョンと既知の脆弱性", "Software version and known vulnerabilities"),
		Remediation: checks.T(
			"脆弱性が公表されているバージョンを、修正済みのバージョンへ更新してください（ベンダーやディストリビューションのセキュリティ更新を適用）。更新できない場合は、回避策を講じるとともに、外部からの到達を必要な範囲に制限してください。",
			"Update the software to a version in which the published vulnerabilities are fixed (apply the vendor's or the distribution's security updates). Where it cannot be updated yet, apply the workarounds and restrict who can reach it."),
	}
}

// maxListed bounds how many feed entries a detail names; the evidence
// keeps one line per entry.
const maxListed = 8

// Evaluate compares versions only with the offline feed the user gave
// (the scanner never downloads one), and a verdict made against the feed
// names it by its digest, so it can be traced to the data it came from.
// Without a feed every version is info and says so, rather than reading
// as "no known vulnerability".
func (c version) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	feed := in.EffectivePolicy().VulnFeed
	ids := identified(in)
	keys := make([]endpoint, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b endpoint) int {
		return cmp.Or(strings.Compare(a.host, b.host), strings.Compare(string(a.proto), string(b.proto)), cmp.Compare(a.port, b.port))
	})
	var out []checks.Finding
	for _, k := range keys {
		o := ids[k]
		sub := subject(o.Target.Proto, o.Target.Port)
		svc, ok := serviceOf(o)
		if !ok {
			out = append(out, checks.Undecided(info, o, sub))
			continue
		}
		f := checks.New(info, o.Target, sub)
		f.At, f.Evidence = o.At, slices.Clone(o.Evidence)
		d := describe(svc)
		switch {
		case svc.Product == "":
			f = f.Decided(checks.InfoS)
			f.Detail = checks.T(d+": 応答から製品名が読み取れないため、バージョンは不明です",
				d+": the service does not name its product, so its version is unknown")
		case svc.Version == "":
			f = f.Decided(checks.InfoS)
			f.Detail = checks.T(fmt.Sprintf("%s: バージョンは開示されていません（%s）", d, svc.CPE),
				fmt.Sprintf("%s: the version is not disclosed (%s)", d, svc.CPE))
		case feed == nil:
			f = f.Decided(checks.InfoS)
			f.Detail = checks.T(fmt.Sprintf("%s（%s）。脆弱性フィード（--vuln-feed）が指定されていないため、既知の脆弱性とは照合していません", d, svc.CPE),
				fmt.Sprintf("%s (%s); no vulnerability feed was given (--vuln-feed), so the version was not compared with known vulnerabilities", d, svc.CPE))
		default:
			vs := feed.Lookup(svc.CPE)
			if len(vs) == 0 {
				f = f.Decided(checks.InfoS)
				f.Detail = checks.T(
					fmt.Sprintf("%s（%s）: 脆弱性フィード（%d 件、%s）に該当するエントリはありません", d, svc.CPE, len(feed.Vulns), feed.Digest),
					fmt.Sprintf("%s (%s): no entry of the vulnerability feed (%s, %s) affects this version", d, svc.CPE, checks.Count(len(feed.Vulns), "entry", "entries"), feed.Digest))
				break
			}
			f = f.Decided(checks.Fail)
			f.Severity = worst(vs)
			var names []string
			for i, v := range vs {
				if i < maxListed {
					names = append(names, v.ID)
				}
				line := v.ID
				if v.Score > 0 {
					line += fmt.Sprintf(" (CVSS %.1f)", v.Score)
				}
				if v.Summary != "" {
					line += ": " + v.Summary
				}
				f.Evidence = append(f.Evidence, scanners.Evidence{Kind: "note", Summary: line})
			}
			more := ""
			if len(vs) > maxListed {
				more = fmt.Sprintf(" (+%d)", len(vs)-maxListed)
			}
			f.Detail = checks.T(
				fmt.Sprintf("%s（%s）は既知の脆弱性の影響を受けるバージョンです: %s%s（フィード %s）", d, svc.CPE, strings.Join(names, ", "), more, feed.Digest),
				fmt.Sprintf("%s (%s) is a version affected by known vulnerabilities: %s%s (feed %s)", d, svc.CPE, strings.Join(names, ", "), more, feed.Digest))
		}
		out = append(out, f)
	}
	return out
}

// worst grades a fail by the most severe feed entry; an entry without a
// severity counts as high, the check's default.
func worst(vs []vulnfeed.Vuln) checks.Severity {
	best := checks.Low
	for _, v := range vs {
		s := checks.Severity(v.Severity)
		if v.Severity == "" {
			s = checks.High
		}
		if s.Rank() > best.Rank() {
			best = s
		}
	}
	return best
}
