package targets

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// refHosts is the expansion spelled out address by address (what Build
// did before the CIDRs were kept as spans): every address of every
// target, exclusions removed, origins in target order.
func refHosts(t *testing.T, targets, excl []Spec) []string {
	t.Helper()
	var deny []span
	for _, e := range excl {
		switch e.Kind {
		case KindAddr:
			deny = append(deny, span{e.Addr, e.Addr})
		case KindPrefix:
			deny = append(deny, prefixSpan(e.Prefix))
		case KindRange:
			deny = append(deny, span{e.First, e.Last})
		}
	}
	type host struct {
		origin []string
		named  bool
	}
	hosts := map[netip.Addr]*host{}
	for _, tg := range targets {
		var sp span
		switch tg.Kind {
		case KindAddr:
			sp = span{tg.Addr, tg.Addr}
		case KindPrefix:
			sp = prefixSpan(tg.Prefix)
		case KindRange:
			sp = span{tg.First, tg.Last}
		}
		for a := sp.first; ; a = a.Next() {
			if !slices.ContainsFunc(deny, func(d span) bool { return d.contains(a) }) {
				h := hosts[a]
				if h == nil {
					h = &host{}
					hosts[a] = h
				}
				if !slices.Contains(h.origin, tg.Raw) {
					h.origin = append(h.origin, tg.Raw)
				}
				h.named = h.named || tg.Kind == KindAddr || sp.first == sp.last
			}
			if a == sp.last {
				break
			}
		}
	}
	var addrs []netip.Addr
	for a := range hosts {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	var out []string
	for _, a := range addrs {
		out = append(out, fmt.Sprint(a, hosts[a].origin, hosts[a].named))
	}
	return out
}

func TestHostsLazyMatchesWalk(t *testing.T) {
	for _, c := range []struct{ targets, excl []string }{
		{[]string{"198.51.100.0/28", "198.51.100.8-198.51.100.20", "198.51.100.5"}, nil},
		{[]string{"198.51.100.5", "198.51.100.0/28", "198.51.100.4/30"}, []string{"198.51.100.6", "198.51.100.12/30"}},
		{[]string{"2001:db8:100::/120", "198.51.100.0/29", "2001:db8:100::80-2001:db8:100::1ff"}, []string{"2001:db8:100::/124", "198.51.100.7"}},
		{[]string{"203.0.113.0/24"}, []string{"203.0.113.0/25", "203.0.113.128/25"}},
		{[]string{"2001:db8::ffff:ffff:ffff:ff00/120", "2001:db8::ffff:ffff:ffff:fff0-2001:db8::ffff:ffff:ffff:ffff", "203.0.113.255"}, []string{"2001:db8::ffff:ffff:ffff:fff8"}},
		{[]string{"198.51.100.9-198.51.100.9", "198.51.100.0/30", "198.51.100.0/30"}, nil},
	} {
		tg, ex := mustParse(t, c.targets...), mustParse(t, c.excl...)
		s, err := Build(context.Background(), tg, ex, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for h := range s.Hosts() {
			got = append(got, fmt.Sprint(h.Addr, h.Origin, h.Named))
		}
		want := refHosts(t, tg, ex)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%v minus %v:\ngot  %v\nwant %v", c.targets, c.excl, got, want)
		}
		if s.Len() != len(want) {
			t.Errorf("%v minus %v: Len = %d, want %d", c.targets, c.excl, s.Len(), len(want))
		}
		// Stopping early stops the walk.
		n := 0
		for range s.Hosts() {
			if n++; n == 2 {
				break
			}
		}
		if n != min(2, len(want)) {
			t.Errorf("early stop after %d hosts", n)
		}
	}
}

func TestMaxHostsCountsDistinct(t *testing.T) {
	ctx := context.Background()
	// Overlapping ranges count their addresses once.
	s, err := Build(ctx, mustParse(t, "198.51.100.0/24", "198.51.100.128/25", "198.51.100.7"), nil, Options{MaxHosts: 256})
	if err != nil || s.Len() != 256 {
		t.Fatalf("overlap: %v hosts, %v", s.Len(), err)
	}
	// Excluded addresses do not count.
	if _, err := Build(ctx, mustParse(t, "198.51.100.0/24", "203.0.113.0/25"), mustParse(t, "198.51.100.0/25"), Options{MaxHosts: 256}); err != nil {
		t.Fatalf("256 hosts after exclusion: %v", err)
	}
	for _, c := range []struct {
		targets []string
		max     int
	}{
		{[]string{"198.51.100.0/24", "203.0.113.0/24"}, 300},
		{[]string{"198.51.100.0/24", "203.0.113.1"}, 256},
		{[]string{"203.0.113.1", "198.51.100.0/24"}, 256},
		{[]string{"0.0.0.0/0"}, 0},
		{[]string{"::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}, 0},
		{[]string{"2001:db8::/113", "2001:db8::8000:0/113", "2001:db8:1::/113"}, 0},
	} {
		_, err := Build(ctx, mustParse(t, c.targets...), nil, Options{MaxHosts: c.max})
		if err == nil || !strings.Contains(err.Error(), "--max-hosts") {
			t.Errorf("%v with MaxHosts %d: err = %v, want a --max-hosts refusal", c.targets, c.max, err)
		}
	}
}

func TestSpanLen(t *testing.T) {
	for _, c := range []struct {
		a, b string
		n    int
	}{
		{"198.51.100.0", "198.51.100.255", 256},
		{"2001:db8::ffff:ffff:ffff:ffff", "2001:db8::1:0:0:0:0", 2},
		{"2001:db8::", "2001:db8::", 1},
		{"::", "::ffff:ffff:ffff:ffff", 1<<63 - 1},
	} {
		if got := spanLen(span{netip.MustParseAddr(c.a), netip.MustParseAddr(c.b)}); got != c.n {
			t.Errorf("%s-%s: %d, want %d", c.a, c.b, got, c.n)
		}
	}
}
