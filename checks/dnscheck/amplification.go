package dnscheck

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(amplification{}) }

var _ checks.Check = amplification{}

// amplification implements dns.amplification (Art. 38): ANY and DNSKEY
// queries over UDP without a cookie. Warn when the largest response/query
// size factor exceeds the policy's amplification_factor (default 10) and a
// burst of identical queries showed no response rate limiting. The
// measurement is made without cookies, so a server that enforces cookies
// already shows a small factor; cookie support alone does not stop
// reflection of spoofed queries and is reported, not credited. Replies
// missing from the burst count as rate limiting only when the scanner's
// own kernel dropped none (UdpRcvbufErrors did not rise).
type amplification struct{}

func (amplification) Info() checks.Info {
	return checks.Info{
		ID: "dns.amplification", Articles: []string{"38"}, Needs: []string{scanners.ProbeDNSServer, scanners.ProbeDNSUDP},
		Severity: checks.Medium,
		Title:    checks.T("DNS 増幅攻撃への悪用", "DNS amplification"),
		Remediation: checks.T(
			"応答レート制限（BIND: `rate-limit { responses-per-second 5; };`、Unbound: `ip-ratelimit`）を設定し、ANY への最小応答（`minimal-any yes;`）を有効にしてください。",
			"Enable response rate limiting (BIND: rate-limit { responses-per-second 5; }; Unbound: ip-ratelimit) and minimal ANY responses (minimal-any yes;)."),
	}
}

// Evaluate judges each server by its worst query, since an attacker picks
// the query with the largest reply. Art. 38 asks that a system not be
// usable as a stepping stone (踏み台) for attacks on others; a large factor
// is only warn, and response rate limiting takes most of that use away
// even when single replies are big.
func (c amplification) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	max := 10.0
	if p := in.EffectivePolicy(); p.AmplificationMax > 0 {
		max = p.AmplificationMax
	}
	return checks.EachOf(in, info, []string{scanners.ProbeDNSServer, scanners.ProbeDNSUDP}, "", func(o scanners.Observation, s *scanners.DNSServer) []checks.Finding {
		var out []checks.Finding
		var best *scanners.DNSAmplify
		var lines []string
		for i, a := range s.Amplify {
			if a.Error != "" {
				lines = append(lines, a.Query+": "+a.Error)
				continue
			}
			lines = append(lines, fmt.Sprintf("%s: %d -> %d bytes, factor %.1f, rcode %s, tc=%s", a.Query, a.ReqSize, a.RespSize, a.Factor, a.Rcode, b01(a.TC)))
			if best == nil || a.Factor > best.Factor {
				best = &s.Amplify[i]
			}
		}
		// LocalDrops is -1 when the kernel counter could not be read (no
		// /proc/net/snmp), which must not print as "0 drops".
		drops := "unreadable"
		if s.RRL.LocalDrops >= 0 {
			drops = fmt.Sprint(s.RRL.LocalDrops)
		}
		lines = append(lines, fmt.Sprintf("rate-limit burst: sent %d, answered %d, truncated %d; datagrams read %d (%d bytes), receive buffer %d, scanner-side drops (UdpRcvbufErrors) %s",
			s.RRL.Sent, s.RRL.Answered, s.RRL.Truncated, s.RRL.Datagrams, s.RRL.Bytes, s.RRL.RcvBuf, drops),
			"server cookie: "+b01(s.Cookies.Server))
		ev := []scanners.Evidence{dnsEvidence("UDP response sizes", strings.Join(lines, "\n"))}
		var f checks.Finding
		switch {
		case best == nil:
			f = checks.Observed(info, o, "", checks.Error, checks.T("UDP の応答がなく増幅率を測定できませんでした", "no UDP reply: the amplification factor could not be measured"))
		// Checked before RRL.Limited: replies the scanner's own socket
		// dropped (or may have: LocalLoss is also set when the counter
		// is unreadable) look exactly like rate limiting, so no credit.
		case best.Factor > max && s.RRL.LocalLoss:
			dropsJA := drops + " 件"
			if s.RRL.LocalDrops < 0 {
				dropsJA = "件数は読み取れず"
			}
			f = checks.Observed(info, o, "", checks.Warn, checks.T(
				fmt.Sprintf("%s の応答は問い合わせの %.1f 倍（閾値 %.0f）です。連続送信では %d 件中 %d 件しか受信できませんでしたが、欠落はスキャナ側の受信バッファ溢れ（%s）によるもので、レート制限の証拠ではありません",
					best.Query, best.Factor, max, s.RRL.Sent, s.RRL.Answered, dropsJA),
				fmt.Sprintf("%s is answered with %.1f times the query size (threshold %.0f); the burst got %d of %d replies, but the loss was on the scanner's side (%s receive-buffer drops), so no rate limiting is proven",
					best.Query, best.Factor, max, s.RRL.Answered, s.RRL.Sent, drops)))

		case best.Factor > max && !s.RRL.Limited:
			f = checks.Observed(info, o, "", checks.Warn, checks.T(
				fmt.Sprintf("%s の応答は問い合わせの %.1f 倍（閾値 %.0f）で、レート制限は観測されませんでした", best.Query, best.Factor, max),
				fmt.Sprintf("%s is answered with %.1f times the query size (threshold %.0f) and no rate limiting was seen", best.Query, best.Factor, max)))

		case best.Factor > max:
			f = checks.Observed(info, o, "", checks.Pass, checks.T(
				fmt.Sprintf("%s の増幅率は %.1f ですが、応答レート制限が働いています（%d 件中 %d 件応答、%d 件 TC）", best.Query, best.Factor, s.RRL.Sent, s.RRL.Answered, s.RRL.Truncated),
				fmt.Sprintf("%s amplifies %.1f times, but response rate limiting is active (%d of %d answered, %d truncated)", best.Query, best.Factor, s.RRL.Answered, s.RRL.Sent, s.RRL.Truncated)))

		default:
			f = checks.Observed(info, o, "", checks.Pass, checks.T(
				fmt.Sprintf("最大の増幅率は %.1f（%s）で閾値 %.0f 以下です", best.Factor, best.Query, max),
				fmt.Sprintf("the largest amplification factor is %.1f (%s), within the threshold %.0f", best.Factor, best.Query, max)))

		}
		f.Evidence = ev
		out = append(out, f)
		return out
	})
}
