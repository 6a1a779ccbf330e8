//go:build netlab

package ndpscan

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"shindan/internal/netlab"
	"shindan/scanners"
)

// TestSegmentLabOffice listens on the scanner's office leg: v6on and radvd
// speak IPv6, v6off does not; radvd's RA announces 2001:db8:bad::/64.
func TestSegmentLabOffice(t *testing.T) {
	lab := netlab.Require(t)
	var mu sync.Mutex
	var obs []scanners.Observation
	s := &Segment{Window: 3 * time.Second}
	err := s.Sweep(context.Background(), &scanners.Env{}, slices.Values([]scanners.Target{{Segment: lab.Scanner.Office.Iface}}),
		func(o scanners.Observation) { mu.Lock(); obs = append(obs, o); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	v6hosts := map[string]bool{}
	var ra *scanners.RouterAdvert
	var sum *scanners.SegmentScan
	for _, o := range obs {
		for _, e := range o.Evidence {
			t.Log(e.Summary)
		}
		switch d := o.Data.(type) {
		case *scanners.IPv6Host:
			for _, a := range d.IPv4 {
				v6hosts[a] = true
			}
		case *scanners.RouterAdvert:
			ra = d
		case *scanners.SegmentScan:
			sum = d
		}
	}
	if sum == nil || len(sum.Sent) < 4 {
		t.Fatalf("summary %+v", sum)
	}
	for name, want := range map[string]bool{"v6on": true, "radvd": true, "v6off": false} {
		h, ok := lab.Lookup(name)
		if !ok {
			t.Skipf("%s not up", name)
		}
		if v6hosts[h.IPv4.String()] != want {
			t.Errorf("%s (%s): seen speaking IPv6 = %v, want %v", name, h.IPv4, !want, want)
		}
	}
	if ra == nil || !slices.Contains(ra.Prefixes, "2001:db8:bad::/64") {
		t.Errorf("router advert %+v", ra)
	}
}
