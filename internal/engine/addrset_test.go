package engine

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

func TestAddrSetMatchesMap(t *testing.T) {
	base := netip.MustParseAddr("2001:db8:100::")
	addr := func(i int) netip.Addr {
		b := base.As16()
		b[14], b[15] = byte(i>>8), byte(i)
		return netip.AddrFrom16(b)
	}
	var s addrSet
	ref := map[netip.Addr]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		a := addr(r.IntN(3000))
		if got, want := s.add(a), !ref[a]; got != want {
			t.Fatalf("add(%s) = %v, want %v", a, got, want)
		}
		ref[a] = true
	}
	for i := range 3100 {
		if s.has(addr(i)) != ref[addr(i)] {
			t.Fatalf("has(%s) = %v, want %v", addr(i), s.has(addr(i)), ref[addr(i)])
		}
	}
	for i := 1; i < len(s.spans); i++ {
		if !s.spans[i-1].last.Next().Less(s.spans[i].first) {
			t.Fatalf("spans %v and %v touch or overlap", s.spans[i-1], s.spans[i])
		}
	}
	// In-order finishing of a /112 ends as one span.
	var seq addrSet
	for i := range 65536 {
		seq.add(addr(i))
	}
	if len(seq.spans) != 1 {
		t.Fatalf("65536 consecutive addresses in %d spans, want 1", len(seq.spans))
	}
	// Mixed families never merge.
	var mix addrSet
	mix.add(netip.MustParseAddr("0.0.0.255"))
	mix.add(netip.MustParseAddr("::1"))
	if len(mix.spans) != 2 || !mix.has(netip.MustParseAddr("::1")) || mix.has(netip.MustParseAddr("::")) {
		t.Fatalf("mixed families: %v", mix.spans)
	}
}
