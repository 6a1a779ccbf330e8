package ipv6check

import (
	"fmt"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(transition{}) }

var _ checks.Check = transition{}

// transition implements ipv6.transition (Art. 78-2-3): Teredo (UDP 3544),
// 6to4, ISATAP or 6in4 (IP protocol 41) seen in the segment capture, or
// 2002::/16, 2001::/32 and ISATAP addresses used on it, fail. (ISATAP/WPAD
// names in DNS are not evaluated here.)
type transition struct{}

func (transition) Info() checks.Info {
	return checks.Info{
		ID: "ipv6.transition", Articles: []string{"78-2-3"}, Needs: []string{scanners.ProbeNDPSegment}, Severity: checks.Medium,
		Title: checks.T("IPv6 移行技術（トンネル）の動作", "IPv6 transition mechanism (tunnel) in use"),
		Remediation: checks.T(
			"意図しない Teredo・ISATAP・6to4 を無効化してください（Windows: `netsh interface teredo set state disabled`、ISATAP・6to4 も同様、またはグループポリシー）。境界で IP プロトコル 41 と UDP 3544 を遮断し、DNS に `isatap` の名前を登録しないでください。",
			"Disable unintended Teredo, ISATAP and 6to4 (Windows: netsh interface teredo set state disabled, likewise isatap/6to4, or Group Policy). Block IP protocol 41 and UDP 3544 at the perimeter and do not publish an isatap name in DNS."),
	}
}

// Evaluate fails on any transition traffic, on every segment and not only
// IPv4-only ones: a tunnel carries IPv6 past the IPv6 filters of the
// network (78-2-3). Teredo is UDP 3544 and 2001::/32 (RFC 4380), 6to4 is
// 2002::/16 (RFC 3056), ISATAP (RFC 5214) and 6in4 ride IP protocol 41.
func (c transition) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSegment(in, info, func(s *segment, ss *scanners.SegmentScan) []checks.Finding {
		var out []checks.Finding
		seen := 0
		for _, o := range s.obs {
			tr, ok := o.Data.(*scanners.Transition)
			if !ok {
				continue
			}
			seen++
			f := checks.New(info, o.Target, tr.Mechanism+" "+tr.Source).Decided(checks.Fail)
			f.Detail = checks.T(
				fmt.Sprintf("%s で %s の通信を検出しました: %s → %s（%s）", s.name, tr.Mechanism, tr.Source, tr.Dest, checks.Raw(tr.Detail)),
				fmt.Sprintf("%s traffic seen on %s: %s → %s (%s)", tr.Mechanism, s.name, tr.Source, tr.Dest, tr.Detail))
			f.At, f.Evidence = o.At, o.Evidence
			out = append(out, f)
		}
		if seen == 0 {
			f := checks.New(info, s.target(), "segment").Decided(checks.Pass)
			f.Detail = checks.T(
				fmt.Sprintf("%s で %d ms（%d フレーム）受信し、Teredo・6to4・ISATAP・6in4 は見られませんでした", s.name, ss.WindowMS, ss.Frames),
				fmt.Sprintf("listened %d ms on %s (%s): no Teredo, 6to4, ISATAP or 6in4", ss.WindowMS, s.name, checks.Count(ss.Frames, "frame", "frames")))
			f.At, f.Evidence = s.summary.At, listenEvidence(s.summary)
			out = append(out, f)
		}
		return out
	})
}
