package ipv6check

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(rogueRA{}) }

var _ checks.Check = rogueRA{}

// rogueRA implements ipv6.rogue-ra (Art. 79, 78-2-2): any Router
// Advertisement on an IPv4-only segment fails, and elsewhere one from a
// router missing from the policy's allowed_routers fails (warn when its
// router lifetime is 0: it announces routes or prefixes but no default
// route, as some border routers legitimately do).
type rogueRA struct{}

func (rogueRA) Info() checks.Info {
	return checks.Info{
		ID: "ipv6.rogue-ra", Articles: []string{"79", "78-2-2"}, Needs: []string{scanners.ProbeNDPSegment}, Severity: checks.High,
		Title: checks.T("許可されていないルータ広告（RA）", "Router Advertisement from an unauthorised router"),
		Remediation: checks.T(
			"RA を送っている機器を特定して停止するか、正規のルータならポリシーの allowed_routers に登録してください。スイッチで RA Guard（RFC 6105）を有効にし、正規ルータのポート以外からの RA を遮断してください。",
			"Find the machine sending the RAs and stop it, or add it to allowed_routers in the policy if it is a legitimate router. Enable RA Guard (RFC 6105) on the switches so that only router ports may send RAs."),
	}
}

// Evaluate judges every RA heard on each segment. An RA with router
// lifetime 0 is not a default router (RFC 4861 §4.2), so hosts send no
// traffic through it by default: warn rather than fail. A pass for a quiet
// segment says whether a Router Solicitation was sent, since a purely
// passive listen may end before a router's periodic RA (RFC 4861 §6.2.1:
// up to MaxRtrAdvInterval, 600 s by default).
func (c rogueRA) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSegment(in, info, func(s *segment, ss *scanners.SegmentScan) []checks.Finding {
		var out []checks.Finding
		only, decl := ipv4Only(in.EffectivePolicy(), ss)
		seen := 0
		for _, o := range s.obs {
			ra, ok := o.Data.(*scanners.RouterAdvert)
			if !ok {
				continue
			}
			seen++
			f := checks.New(info, o.Target, "router "+ra.Router)
			f.At, f.Evidence = o.At, o.Evidence
			who := ra.MAC
			if len(ra.IPv4) > 0 {
				who += ", IPv4 " + strings.Join(ra.IPv4, ", ")
			}
			what := fmt.Sprintf("%s (%s) on %s, prefixes [%s], router lifetime %ds", ra.Router, who, s.name, strings.Join(ra.Prefixes, ", "), ra.RouterLifetime)
			whatJA := fmt.Sprintf("%s（%s）、%s 上、プレフィックス [%s]、ルータ寿命 %d 秒", ra.Router, who, s.name, strings.Join(ra.Prefixes, ", "), ra.RouterLifetime)
			switch {
			case only:
				f = f.Decided(checks.Fail)
				f.Detail = checks.T(
					fmt.Sprintf("IPv4 専用と宣言されたセグメント %s（%s）に RA が流れています: %s", s.name, decl, whatJA),
					fmt.Sprintf("Router Advertisement on %s, declared IPv4-only (%s): %s", s.name, decl, what))
			case allowedRouter(in.EffectivePolicy(), ra):
				f = f.Decided(checks.Pass)
				f.Detail = checks.T("許可されたルータからの RA です: "+whatJA, "RA from an allowed router: "+what)
			case ra.RouterLifetime == 0:
				f = f.Decided(checks.Warn)
				f.Detail = checks.T(
					"allowed_routers にないルータからの RA です（ルータ寿命 0: デフォルトルートは広告していません）: "+whatJA,
					"RA from a router not in allowed_routers (router lifetime 0: no default route announced): "+what)
			default:
				f = f.Decided(checks.Fail)
				f.Detail = checks.T("allowed_routers にないルータからの RA です: "+whatJA, "RA from a router not in allowed_routers: "+what)
			}
			out = append(out, f)
		}
		if seen == 0 {
			f := checks.New(info, s.target(), "segment").Decided(checks.Pass)
			f.Detail = checks.T(
				fmt.Sprintf("%s でルータ要請（RS）を送り %d ms 受信しましたが、RA はありませんでした", s.name, ss.WindowMS),
				fmt.Sprintf("sent a Router Solicitation and listened %d ms on %s: no Router Advertisement", ss.WindowMS, s.name))
			if !strings.Contains(strings.Join(ss.Sent, ","), "rs") {
				f.Detail = checks.T(
					fmt.Sprintf("%s で %d ms 受信しましたが、RA はありませんでした（受動的な受信のみ）", s.name, ss.WindowMS),
					fmt.Sprintf("listened %d ms on %s (passive only): no Router Advertisement", ss.WindowMS, s.name))
			}
			f.At, f.Evidence = s.summary.At, listenEvidence(s.summary)
			out = append(out, f)
		}
		return out
	})
}
