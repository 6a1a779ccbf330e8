package engine

import (
	"net/netip"
	"slices"
)

// addrSet is a set of addresses kept as sorted, merged ranges. Hosts are
// swept in address order, so the finished ones of a mostly empty /16 are
// a few ranges, not 65,536 map entries: memory follows the gaps (the
// hosts still in flight), not the size of the target list.
type addrSet struct {
	spans []addrSpan // sorted, disjoint, not adjacent
}

type addrSpan struct{ first, last netip.Addr }

// has reports whether a is in the set.
func (s *addrSet) has(a netip.Addr) bool {
	i := s.search(a)
	return i < len(s.spans) && !a.Less(s.spans[i].first)
}

// search returns the first span whose last address is not below a.
func (s *addrSet) search(a netip.Addr) int {
	i, _ := slices.BinarySearchFunc(s.spans, a, func(sp addrSpan, a netip.Addr) int { return sp.last.Compare(a) })
	return i
}

// add puts a in the set, merging it with the spans it touches; it
// reports whether a was new.
func (s *addrSet) add(a netip.Addr) bool {
	i := s.search(a)
	if i < len(s.spans) && !a.Less(s.spans[i].first) {
		return false
	}
	// a lies between spans[i-1] and spans[i] (either may be missing).
	joinPrev := i > 0 && s.spans[i-1].last.Next() == a
	joinNext := i < len(s.spans) && a.Next() == s.spans[i].first
	switch {
	case joinPrev && joinNext:
		s.spans[i-1].last = s.spans[i].last
		s.spans = slices.Delete(s.spans, i, i+1)
	case joinPrev:
		s.spans[i-1].last = a
	case joinNext:
		s.spans[i].first = a
	default:
		s.spans = slices.Insert(s.spans, i, addrSpan{a, a})
	}
	return true
}
