package targets

import (
	"iter"
	"math"
	"net/netip"
	"slices"
)

// walkSpan is a CIDR or range target kept as a span; step orders it among
// the origins of the hosts listed inside it.
type walkSpan struct {
	span
	origin string
	step   int
}

// seg is a piece of the CIDR and range targets that no exclusion touches
// and that the same targets cover throughout: every address in it is a
// host with origin as its Origin.
type seg struct {
	span
	origin []string
}

// size is the number of addresses in g, saturating at MaxInt (a segment
// never exceeds MaxHosts, but a scope from elsewhere need not be sane).
func (g seg) size() int { return spanLen(g.span) }

// spanLen counts sp's addresses without walking them.
func spanLen(sp span) int {
	a, b := sp.first.As16(), sp.last.As16()
	var hiA, loA, hiB, loB uint64
	for i := range 8 {
		hiA, hiB = hiA<<8|uint64(a[i]), hiB<<8|uint64(b[i])
		loA, loB = loA<<8|uint64(a[8+i]), loB<<8|uint64(b[8+i])
	}
	lo := loB - loA
	if loB < loA {
		hiB-- // borrow
	}
	if hiB != hiA || lo >= math.MaxInt {
		return math.MaxInt
	}
	return int(lo) + 1
}

// segments cuts the walk spans into disjoint pieces, sorted by address,
// with the exclusions cut out; each piece lists the targets covering it in
// target order. The cuts are the spans' and exclusions' edges, so there
// are at most twice as many pieces as spans and exclusions.
func segments(walks []walkSpan, deny []span) []seg {
	var out []seg
	for _, bits := range []int{32, 128} {
		var cuts []netip.Addr
		edge := func(sp span) {
			if sp.first.BitLen() != bits {
				return
			}
			cuts = append(cuts, sp.first)
			if n := sp.last.Next(); n.IsValid() {
				cuts = append(cuts, n)
			}
		}
		for _, w := range walks {
			edge(w.span)
		}
		if len(cuts) == 0 {
			continue
		}
		for _, d := range deny {
			edge(d)
		}
		slices.SortFunc(cuts, netip.Addr.Compare)
		cuts = slices.Compact(cuts)
		for i, first := range cuts {
			last := lastAddr(bits)
			if i+1 < len(cuts) {
				last = cuts[i+1].Prev()
			}
			if slices.ContainsFunc(deny, func(d span) bool { return d.contains(first) }) {
				continue
			}
			var origin []string
			for _, w := range walks {
				if w.contains(first) && !slices.Contains(origin, w.origin) {
					origin = append(origin, w.origin)
				}
			}
			if len(origin) == 0 {
				continue
			}
			out = append(out, seg{span{first, last}, origin})
		}
	}
	return out
}

// lastAddr is the highest address of a family (255.255.255.255 or ffff:…).
func lastAddr(bits int) netip.Addr {
	if bits == 32 {
		return netip.AddrFrom4([4]byte{255, 255, 255, 255})
	}
	var b [16]byte
	for i := range b {
		b[i] = 255
	}
	return netip.AddrFrom16(b)
}

// Len is the number of hosts Hosts produces.
func (s *Set) Len() int { return s.count }

// Hosts produces the hosts to probe in address order: the listed hosts as
// expanded, and each address of the CIDR and range targets made on
// demand, so memory does not follow the size of the ranges. A listed host
// inside a range is produced once, as listed (with the range among its
// origins).
func (s *Set) Hosts() iter.Seq[Host] {
	return func(yield func(Host) bool) {
		i := 0
		for _, g := range s.segs {
			for ; i < len(s.listed) && s.listed[i].Addr.Less(g.first); i++ {
				if !yield(s.listed[i]) {
					return
				}
			}
			n := len(g.origin)
			for a := g.first; ; a = a.Next() {
				h := Host{Addr: a, Origin: g.origin[:n:n]}
				if i < len(s.listed) && s.listed[i].Addr == a {
					h = s.listed[i]
					i++
				}
				if !yield(h) {
					return
				}
				if a == g.last {
					break
				}
			}
		}
		for ; i < len(s.listed); i++ {
			if !yield(s.listed[i]) {
				return
			}
		}
	}
}
