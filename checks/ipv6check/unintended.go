package ipv6check

import (
	"fmt"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(unintended{}) }

var _ checks.Check = unintended{}

// unintended implements ipv6.unintended (Art. 79): on a segment the policy
// declares IPv4-only, every machine seen speaking IPv6 (echo reply to
// ff02::1, MLD report, ND, DHCPv6, RA) fails; a machine seen there on
// IPv4 only (it answered ARP) that sent no IPv6 while we solicited passes,
// by name; a segment where nothing spoke IPv6 passes as a whole.
type unintended struct{}

func (unintended) Info() checks.Info {
	return checks.Info{
		ID: "ipv6.unintended", Articles: []string{"79"}, Needs: []string{scanners.ProbeNDPSegment}, Severity: checks.Medium,
		Title: checks.T("IPv4 専用セグメントで IPv6 を話す機器", "Machine speaking IPv6 on an IPv4-only segment"),
		Remediation: checks.T(
			"IPv6 を使わないセグメントでは、各機器の IPv6 を無効化してください（Linux: net.ipv6.conf.all.disable_ipv6=1、Windows: レジストリ DisabledComponents=0xFF など）。あわせてスイッチで IPv6 フレーム（EtherType 0x86DD）や RA をフィルタしてください。",
			"On a segment that is not meant for IPv6, disable IPv6 on every machine (Linux: net.ipv6.conf.all.disable_ipv6=1; Windows: DisabledComponents=0xFF) and filter IPv6 frames (EtherType 0x86DD) and RAs on the switch."),
	}
}

// Evaluate applies Art. 79 (suppress IPv6 on lines not meant for it) only
// where the policy says the segment is not meant for IPv6: on any other
// segment IPv6 may be intended, so the check is skipped there and says
// why. A host seen on IPv4 and silent on IPv6 gets its own pass so the
// report shows who was covered.
func (c unintended) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSegment(in, info, func(s *segment, ss *scanners.SegmentScan) []checks.Finding {
		var out []checks.Finding
		only, decl := ipv4Only(in.EffectivePolicy(), ss)
		if !only {
			f := checks.New(info, s.target(), "segment").Decided(checks.Skipped)
			f.Detail = checks.T(
				fmt.Sprintf("%s（%s）はポリシーの ipv4_only_segments に含まれないため対象外です", s.name, strings.Join(ss.IPv4, ", ")),
				fmt.Sprintf("%s (%s) is not declared IPv4-only in the policy (ipv4_only_segments)", s.name, strings.Join(ss.IPv4, ", ")))
			f.At, f.Evidence = s.summary.At, listenEvidence(s.summary)
			out = append(out, f)
			return out
		}
		seen := 0
		for _, o := range s.obs {
			if q, ok := o.Data.(*scanners.QuietHost); ok {
				f := checks.New(info, o.Target, "mac "+q.MAC).Decided(checks.Pass)
				f.Detail = checks.T(
					fmt.Sprintf("IPv4 専用セグメント %s（%s）で %s（%s）を確認しましたが、%d ms の間 IPv6 を送信しませんでした（送信したもの: %s）", s.name, decl, strings.Join(q.IPv4, ", "), q.MAC, ss.WindowMS, checks.Raw(strings.Join(ss.Sent, ", "))),
					fmt.Sprintf("on %s, declared IPv4-only (%s), %s (%s) was seen and sent no IPv6 in %d ms (sent: %s)", s.name, decl, strings.Join(q.IPv4, ", "), q.MAC, ss.WindowMS, strings.Join(ss.Sent, ", ")))
				f.At, f.Evidence = o.At, o.Evidence
				out = append(out, f)
				continue
			}
			h, ok := o.Data.(*scanners.IPv6Host)
			if !ok {
				continue
			}
			seen++
			f := checks.New(info, o.Target, "mac "+h.MAC).Decided(checks.Fail)
			who := h.MAC
			if len(h.IPv4) > 0 {
				who += " (" + strings.Join(h.IPv4, ", ") + ")"
			}
			f.Detail = checks.T(
				fmt.Sprintf("IPv4 専用と宣言されたセグメント %s（%s）で、%s が IPv6 を送信しました（%s、送信元 %s）", s.name, decl, who, strings.Join(h.Via, ", "), strings.Join(h.Addrs, ", ")),
				fmt.Sprintf("on %s, declared IPv4-only (%s), %s sent IPv6 (%s, from %s)", s.name, decl, who, strings.Join(h.Via, ", "), strings.Join(h.Addrs, ", ")))
			f.At, f.Evidence = o.At, o.Evidence
			out = append(out, f)
		}
		if seen == 0 {
			f := checks.New(info, s.target(), "segment").Decided(checks.Pass)
			f.Detail = checks.T(
				fmt.Sprintf("%s（IPv4 専用: %s）で %d ms 受信し、IPv6 を話す機器はありませんでした（送信したもの: %s）", s.name, decl, ss.WindowMS, checks.Raw(strings.Join(ss.Sent, ", "))),
				fmt.Sprintf("listened %d ms on %s (IPv4-only: %s); no machine spoke IPv6 (sent: %s)", ss.WindowMS, s.name, decl, strings.Join(ss.Sent, ", ")))
			f.At, f.Evidence = s.summary.At, listenEvidence(s.summary)
			out = append(out, f)
		}
		return out
	})
}
