package svccheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(reflector{}) }

var _ checks.Check = reflector{}

// reflector implements service.reflector (Art. 38): a UDP service that
// answers a spoofable query with more than the policy's amplification
// factor (default 10) fails, as does a TCP service that proxied a request
// to a canary the scanner served (HTTP, CONNECT or SOCKS5).
type reflector struct{}

func (reflector) Info() checks.Info {
	return checks.Info{
		ID: "service.reflector", Articles: []string{"38"}, Needs: []string{scanners.ProbeSvcReflector}, Severity: checks.High,
		Title: checks.T("踏み台（増幅リフレクタ・オープンプロキシ）になるサービス", "Service usable as a stepping stone (amplifying reflector or open proxy)"),
		Remediation: checks.T(
			"不要な UDP サービス（chargen、qotd、SSDP、memcached UDP など）は停止し、必要なものは問い合わせ元を制限してください（NTP: `restrict default noquery`、SNMP: `public` コミュニティの廃止と送信元制限、memcached: `-U 0`）。プロキシは認証を必須にし、利用者のネットワークに限定してください。",
			"Stop UDP services that are not needed (chargen, qotd, SSDP, memcached UDP) and restrict who may query the rest (NTP: restrict default noquery; SNMP: drop the public community and limit sources; memcached: -U 0). Require authentication on proxies and restrict them to their users' networks."),
	}
}

// Evaluate grades each UDP reflector query by its byte amplification and
// each proxy test by whether the canary request came through. A Reflector
// with no Protocol is the probe's summary of the queries nothing answered:
// a service that does not answer the scanner cannot reflect to it,
// whether absent or filtered (pitfalls §6.1), so those protocols pass,
// named, so the pass says what it covered.
func (c reflector) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	max := in.EffectivePolicy().AmplificationMax
	var out []checks.Finding
	for _, o := range in.ByProbe(scanners.ProbeSvcReflector) {
		switch d := o.Data.(type) {
		case *scanners.Reflector:
			if d.Protocol == "" {
				if o.Status != scanners.OK || len(d.Silent) == 0 {
					continue
				}
				f := checks.New(info, o.Target, "udp").Decided(checks.Pass)
				f.Detail = checks.T("次のリフレクタ用問い合わせには応答がありませんでした: "+strings.Join(d.Silent, ", "),
					"no answer to these reflector queries: "+strings.Join(d.Silent, ", "))
				f.At = o.At
				out = append(out, f)
				continue
			}
			sub := fmt.Sprintf("udp/%d %s", d.Port, d.Protocol)
			if o.Status != scanners.OK {
				out = append(out, checks.Undecided(info, o, sub))
				continue
			}
			f := checks.New(info, o.Target, sub)
			f.At, f.Evidence = o.At, o.Evidence
			m := fmt.Sprintf("%d バイトの問い合わせに %d バイト（%d パケット）で応答（増幅率 %.1f 倍、しきい値 %.0f 倍）", d.RequestBytes, d.ResponseBytes, d.Packets, d.Factor, max)
			e := fmt.Sprintf("a %d-byte query drew %s in %s (amplification ×%.1f, threshold ×%.0f)", d.RequestBytes,
				checks.Count(d.ResponseBytes, "byte", "bytes"), checks.Count(d.Packets, "packet", "packets"), d.Factor, max)
			if d.Factor > max {
				f = f.Decided(checks.Fail)
			} else {
				f = f.Decided(checks.Pass)
			}
			f.Detail = checks.T(d.Protocol+": "+m, d.Protocol+": "+e)
			out = append(out, f)
		case *scanners.Proxy:
			sub := fmt.Sprintf("tcp/%d %s", d.Port, d.Method)
			if o.Status != scanners.OK {
				out = append(out, checks.Undecided(info, o, sub))
				continue
			}
			f := checks.New(info, o.Target, sub)
			f.At, f.Evidence = o.At, o.Evidence
			switch {
			case d.Open || d.Relayed:
				f = f.Decided(checks.Fail)
				f.Detail = checks.T(
					fmt.Sprintf("%s プロキシとして、スキャナが用意した %s へ中継しました（応答: %s）", d.Method, d.Target, d.Answer),
					fmt.Sprintf("relayed a %s proxy request to the scanner's canary %s (answer: %s)", d.Method, d.Target, d.Answer))
			default:
				f = f.Decided(checks.Pass)
				ans := d.Answer
				if ans == "" {
					ans = "(no answer)"
				}
				f.Detail = checks.T(
					fmt.Sprintf("%s プロキシ要求は中継されませんでした（応答: %s）", d.Method, ans),
					fmt.Sprintf("the %s proxy request was not relayed (answer: %s)", d.Method, ans))
			}
			out = append(out, f)
		default:
			if o.Status != scanners.OK {
				out = append(out, checks.Undecided(info, o, o.Target.String()))
			}
		}
	}
	return out
}
