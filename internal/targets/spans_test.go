package targets

import (
	"context"
	"net/netip"
	"testing"
)

// TestScopeRoundTrip: the scope a Set sends to workers rebuilds the same
// guard: inside, outside and excluded addresses answer as they did.
func TestScopeRoundTrip(t *testing.T) {
	var tg, ex []Spec
	for _, s := range []string{"198.51.100.0/28", "203.0.113.5-203.0.113.9", "2001:db8::1"} {
		sp, err := Parse(s, "test")
		if err != nil {
			t.Fatal(err)
		}
		tg = append(tg, sp)
	}
	sp, _ := Parse("198.51.100.3", "test")
	ex = append(ex, sp)
	set, err := Build(context.Background(), tg, ex, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ScopeSet(set.Scope(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"198.51.100.1", "198.51.100.3", "198.51.100.16", "203.0.113.7", "203.0.113.10", "2001:db8::1", "2001:db8::2"} {
		addr := netip.MustParseAddr(a)
		if set.Allow(addr) != got.Allow(addr) || set.Excluded(addr) != got.Excluded(addr) {
			t.Errorf("%s: allow %v/%v excluded %v/%v", a, set.Allow(addr), got.Allow(addr), set.Excluded(addr), got.Excluded(addr))
		}
	}
	for _, bad := range []string{"", "198.51.100.9-198.51.100.1", "198.51.100.1-2001:db8::1", "fe80::1%eth0", "nope"} {
		if _, err := ScopeSet(Scope{Allow: []string{bad}}, nil); err == nil {
			t.Errorf("span %q accepted", bad)
		}
	}
}

// FuzzScopeSpan: spans come from the NATS server (a unit's scope): any
// string is an error or a span whose ends are ordered and of one family.
func FuzzScopeSpan(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "198.51.100.0-198.51.100.255", "2001:db8::-2001:db8::ff", "-", "1.2.3.4-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := parseSpan(s)
		if err != nil {
			return
		}
		if sp.last.Less(sp.first) || sp.first.BitLen() != sp.last.BitLen() {
			t.Fatalf("%q gave %v-%v", s, sp.first, sp.last)
		}
	})
}
