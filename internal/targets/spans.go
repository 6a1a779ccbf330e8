package targets

import (
	"fmt"
	"net/netip"
	"strings"
)

// Scope is a Set's scope guard in transportable form: the address spans
// the targets expanded to and those the exclusions cover, after every
// name was resolved. A distributed worker rebuilds the coordinator's exact
// guard from it (ScopeSet) without resolving anything itself, so a worker
// with another resolver cannot widen the scope.
type Scope struct {
	Allow []string `json:"allow"` // "a" or "a-b"
	Deny  []string `json:"deny,omitempty"`
}

// Scope returns the set's scope guard as spans.
func (s *Set) Scope() Scope {
	var sc Scope
	for _, w := range s.allow {
		sc.Allow = append(sc.Allow, w.String())
	}
	for _, d := range s.deny {
		sc.Deny = append(sc.Deny, d.String())
	}
	return sc
}

// String is the form parseSpan reads back: one address, or first-last.
func (s span) String() string {
	if s.first == s.last {
		return s.first.String()
	}
	return s.first.String() + "-" + s.last.String()
}

// parseSpan reads a span written by String, as a distributed worker gets
// its scope from the coordinator; zones and mixed families are refused,
// since Allow never matches them.
func parseSpan(v string) (span, error) {
	first, last, ok := strings.Cut(v, "-")
	a, err := netip.ParseAddr(first)
	if err != nil {
		return span{}, fmt.Errorf("targets: scope span %q: %w", v, err)
	}
	b := a
	if ok {
		if b, err = netip.ParseAddr(last); err != nil {
			return span{}, fmt.Errorf("targets: scope span %q: %w", v, err)
		}
	}
	if a.Zone() != "" || b.Zone() != "" || a.BitLen() != b.BitLen() || b.Less(a) {
		return span{}, fmt.Errorf("targets: scope span %q: not an address range", v)
	}
	return span{a, b}, nil
}

// ScopeSet builds a Set with the given hosts whose Allow and Excluded are
// sc's. Hosts outside sc are not checked here: the caller refuses them
// (Allow) and says so.
func ScopeSet(sc Scope, hosts []Host) (*Set, error) {
	s := &Set{listed: hosts, count: len(hosts)}
	for _, v := range sc.Allow {
		sp, err := parseSpan(v)
		if err != nil {
			return nil, err
		}
		s.allow = append(s.allow, sp)
	}
	for _, v := range sc.Deny {
		sp, err := parseSpan(v)
		if err != nil {
			return nil, err
		}
		s.deny = append(s.deny, sp)
	}
	return s, nil
}
