package ipv6check

import (
	"net/netip"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

// segment is one listened segment with what was seen on it.
type segment struct {
	name    string
	summary *scanners.Observation // the SegmentScan observation (nil: the listen failed)
	failed  *scanners.Observation // a non-OK observation for the segment
	obs     []scanners.Observation
}

// segments groups ndp.segment observations by interface, in order.
func segments(in *checks.Input) []*segment {
	var out []*segment
	by := map[string]*segment{}
	for _, o := range in.ByProbe(scanners.ProbeNDPSegment) {
		s := by[o.Target.Segment]
		if s == nil {
			s = &segment{name: o.Target.Segment}
			by[o.Target.Segment] = s
			out = append(out, s)
		}
		switch {
		case o.Status != scanners.OK:
			s.failed = &o
		default:
			if _, ok := o.Data.(*scanners.SegmentScan); ok {
				s.summary = &o
			} else {
				s.obs = append(s.obs, o)
			}
		}
	}
	return out
}

// eachSegment calls fn for every segment that was listened to, with its
// summary, and turns a segment that could not be into its error finding:
// the segment loop of the listening checks, once.
func eachSegment(in *checks.Input, info checks.Info, fn func(s *segment, ss *scanners.SegmentScan) []checks.Finding) []checks.Finding {
	var out []checks.Finding
	for _, s := range segments(in) {
		if f := s.undecided(info); f != nil {
			out = append(out, *f)
			continue
		}
		out = append(out, fn(s, scanOf(s.summary))...)
	}
	return out
}

// target is the finding target for a segment as a whole.
func (s *segment) target() scanners.Target {
	return scanners.Target{Segment: s.name, Proto: scanners.L2}
}

// undecided returns the error finding when the segment could not be
// listened to, or nil.
func (s *segment) undecided(info checks.Info) *checks.Finding {
	switch {
	case s.failed != nil:
		f := checks.Undecided(info, *s.failed, "segment")
		return &f
	case s.summary == nil:
		f := checks.New(info, s.target(), "segment").Decided(checks.Error)
		f.Detail = checks.T("セグメントの受信結果（要約）がありません", "no summary of the segment listening run")
		return &f
	}
	return nil
}

// ipv4Only reports whether the policy declares the segment IPv4-only: one
// of the interface's IPv4 prefixes lies in (or covers) a declared prefix.
func ipv4Only(p *checks.Policy, ss *scanners.SegmentScan) (bool, string) {
	for _, s := range ss.IPv4 {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			continue
		}
		for _, d := range p.IPv4OnlySegments {
			if d.Overlaps(pfx) {
				return true, d.String()
			}
		}
	}
	return false, ""
}

// scanOf is the SegmentScan of a summary that segments already typed.
func scanOf(o *scanners.Observation) *scanners.SegmentScan {
	ss, _ := o.Data.(*scanners.SegmentScan)
	return ss
}

// listenEvidence copies the listening run's evidence for a segment-level
// finding, so that findings sharing it never alias one slice.
func listenEvidence(o *scanners.Observation) []scanners.Evidence { return slices.Clone(o.Evidence) }

// allowedRouter matches an RA against allowed_routers by source MAC or by
// router address, zone ignored: the policy writes fe80::1, the capture
// sees fe80::1%eth0. Either identifier can be forged on the link, so a
// pass means no unknown router was heard, not that the allowed one is
// genuine; RA Guard (RFC 6105) on the switch is the defence.
func allowedRouter(p *checks.Policy, ra *scanners.RouterAdvert) bool {
	for _, r := range p.AllowedRouters {
		r = strings.ToLower(strings.TrimSpace(r))
		if r == strings.ToLower(ra.MAC) {
			return true
		}
		if a, err := netip.ParseAddr(r); err == nil {
			if b, err := netip.ParseAddr(ra.Router); err == nil && a.WithZone("") == b.WithZone("") {
				return true
			}
		}
	}
	return false
}
