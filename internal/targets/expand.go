package targets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// Resolver is the part of *net.Resolver that expansion uses.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupNS(ctx context.Context, name string) ([]*net.NS, error)
}

// Options shape expansion.
type Options struct {
	// MaxHosts caps the number of addresses the targets expand to; 0 means
	// 65536. Exceeding it is an error, never a silent truncation.
	MaxHosts int
	// Resolver looks names up; nil means net.DefaultResolver.
	Resolver Resolver
	// NoDomainExpansion keeps a domain target from adding its MX, NS and
	// www hosts.
	NoDomainExpansion bool
}

// Host is one address to scan.
type Host struct {
	Addr   netip.Addr
	Names  []string // names that resolved to it
	Ports  []uint16 // ports named by URL or host:port targets
	Origin []string // the targets that brought it in
	// Named is set when the user named this host (an address, host:port,
	// URL or a name resolving to it) rather than it falling inside a CIDR
	// or range: a named host is always scanned in full.
	Named bool
	// OnlyPorts is set when only URL targets brought the host in: a URL
	// names one endpoint, so the host is scanned on Ports alone, not on
	// the profile's ports.
	OnlyPorts bool
}

// Name is a name target and what it resolved to.
type Name struct {
	Name   string
	Addrs  []netip.Addr
	Domain bool // it has NS or MX records: a mail/DNS domain
	MX     []string
	NS     []string
	Err    string // lookup failure, reported
	Origin string
	// Derived is set for names a domain target brought in (its MX, NS and
	// www hosts) rather than names the user gave.
	Derived bool
}

// Set is the expanded scan: the hosts to probe and the scope guard's view.
type Set struct {
	Hosts []Host
	Names []Name
	// Sparse holds in-scope IPv6 prefixes shorter than /112: never walked;
	// their hosts come from names and neighbour discovery.
	Sparse []netip.Prefix
	// Notes says what was left out and why (exclusions, failed lookups).
	Notes []string

	allow, deny []span
}

type span struct{ first, last netip.Addr }

func (s span) contains(a netip.Addr) bool {
	return s.first.BitLen() == a.BitLen() && !a.Less(s.first) && !s.last.Less(a)
}

func prefixSpan(p netip.Prefix) span {
	first := p.Masked().Addr()
	b := first.AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	last, _ := netip.AddrFromSlice(b)
	return span{first, last}
}

// Allow reports whether a may be probed: inside a target and outside every
// exclusion. Exclusions win.
func (s *Set) Allow(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, d := range s.deny {
		if d.contains(a) {
			return false
		}
	}
	for _, w := range s.allow {
		if w.contains(a) {
			return true
		}
	}
	return false
}

// Excluded reports whether an exclusion covers a.
func (s *Set) Excluded(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	return slices.ContainsFunc(s.deny, func(d span) bool { return d.contains(a) })
}

// Build expands targets and exclusions into a Set.
func Build(ctx context.Context, targets, excludes []Spec, o Options) (*Set, error) {
	if o.MaxHosts <= 0 {
		o.MaxHosts = 65536
	}
	var res Resolver = net.DefaultResolver
	if o.Resolver != nil {
		res = o.Resolver
	}
	s := &Set{}
	for _, e := range excludes {
		switch e.Kind {
		case KindAddr:
			s.deny = append(s.deny, span{e.Addr, e.Addr})
		case KindPrefix:
			s.deny = append(s.deny, prefixSpan(e.Prefix))
		case KindRange:
			s.deny = append(s.deny, span{e.First, e.Last})
		case KindName:
			addrs, err := res.LookupNetIP(ctx, "ip", e.Name)
			if err != nil {
				// An exclusion that cannot be resolved must not let its
				// addresses slip into the scan: refuse to start.
				return nil, fmt.Errorf("targets: exclusion %s (%s) does not resolve: %w", e.Name, e.Source, err)
			}
			for _, a := range addrs {
				a = a.Unmap()
				s.deny = append(s.deny, span{a, a})
			}
		}
	}
	hosts := map[netip.Addr]*Host{}
	// full holds the hosts and names some target other than a URL brought
	// in; the others are scanned on their URL ports only.
	full, fullName := map[netip.Addr]bool{}, map[string]bool{}
	viaURL := false // the target being expanded is a URL
	add := func(a netip.Addr, origin, name string, port uint16, named bool) error {
		a = a.Unmap()
		if s.Excluded(a) {
			return nil
		}
		if !viaURL {
			full[a] = true
		}
		h := hosts[a]
		if h == nil {
			if len(hosts) >= o.MaxHosts {
				return fmt.Errorf("targets: the targets expand to more than %d hosts (--max-hosts); narrow them or raise the limit", o.MaxHosts)
			}
			h = &Host{Addr: a}
			hosts[a] = h
		}
		if name != "" && !slices.Contains(h.Names, name) {
			h.Names = append(h.Names, name)
		}
		if port != 0 && !slices.Contains(h.Ports, port) {
			h.Ports = append(h.Ports, port)
		}
		if !slices.Contains(h.Origin, origin) {
			h.Origin = append(h.Origin, origin)
		}
		h.Named = h.Named || named
		return nil
	}
	walk := func(sp span, origin string) error {
		if n := spanSize(sp, o.MaxHosts+1); n > o.MaxHosts {
			return fmt.Errorf("targets: %s expands to more than %d hosts (--max-hosts); narrow it or raise the limit", origin, o.MaxHosts)
		}
		for a := sp.first; ; a = a.Next() {
			if err := add(a, origin, "", 0, sp.first == sp.last); err != nil {
				return err
			}
			if a == sp.last || ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	names := map[string]bool{}
	var resolveName func(name, origin string, port uint16, expand bool) error
	resolveName = func(name, origin string, port uint16, expand bool) error {
		if names[name] {
			// Named twice (as a name and as a URL, or two URLs): the
			// addresses are known; the port still counts.
			for _, h := range hosts {
				if port != 0 && slices.Contains(h.Names, name) && !slices.Contains(h.Ports, port) {
					h.Ports = append(h.Ports, port)
				}
			}
			return nil
		}
		names[name] = true
		n := Name{Name: name, Origin: origin, Derived: !expand}
		addrs, err := res.LookupNetIP(ctx, "ip", name)
		if err != nil {
			n.Err = lookupReason(err)
		}
		for _, a := range addrs {
			a = a.Unmap()
			n.Addrs = append(n.Addrs, a)
			if s.Excluded(a) {
				s.Notes = append(s.Notes, fmt.Sprintf("%s (%s): excluded", name, a))
				continue
			}
			s.allow = append(s.allow, span{a, a})
			if err := add(a, origin, name, port, true); err != nil {
				return err
			}
		}
		if expand && !o.NoDomainExpansion && !viaURL {
			if mx, err := res.LookupMX(ctx, name); err == nil {
				for _, m := range mx {
					n.MX = append(n.MX, strings.TrimSuffix(strings.ToLower(m.Host), "."))
				}
			}
			if ns, err := res.LookupNS(ctx, name); err == nil {
				for _, x := range ns {
					n.NS = append(n.NS, strings.TrimSuffix(strings.ToLower(x.Host), "."))
				}
			}
			n.Domain = len(n.MX) > 0 || len(n.NS) > 0
		}
		// A mail or DNS domain need not have addresses of its own; any
		// other name that does not resolve cannot be scanned: say so.
		if n.Err != "" && !n.Domain {
			s.Notes = append(s.Notes, fmt.Sprintf("%s: not scanned, it does not resolve (%s)", name, n.Err))
		}
		s.Names = append(s.Names, n)
		if n.Domain {
			for _, h := range n.MX {
				if err := resolveName(h, "mx of "+name, 0, false); err != nil {
					return err
				}
			}
			for _, h := range n.NS {
				if err := resolveName(h, "ns of "+name, 0, false); err != nil {
					return err
				}
			}
			if len(n.NS) > 0 {
				www := "www." + name
				if a, err := res.LookupNetIP(ctx, "ip", www); err == nil && len(a) > 0 {
					if err := resolveName(www, "www of "+name, 0, false); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	for _, t := range targets {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var err error
		viaURL = t.URL != ""
		if t.Kind == KindName && !viaURL {
			fullName[t.Name] = true
		}
		switch t.Kind {
		case KindAddr:
			s.allow = append(s.allow, span{t.Addr, t.Addr})
			if s.Excluded(t.Addr) {
				s.Notes = append(s.Notes, fmt.Sprintf("%s: excluded", t.Addr))
			}
			err = add(t.Addr, t.Raw, "", t.Port, true)
		case KindPrefix:
			sp := prefixSpan(t.Prefix)
			s.allow = append(s.allow, sp)
			if t.Prefix.Addr().Is6() && t.Prefix.Bits() < 112 {
				s.Sparse = append(s.Sparse, t.Prefix)
				s.Notes = append(s.Notes, fmt.Sprintf("%s: IPv6 prefix shorter than /112 is not enumerated; its hosts come from names and neighbour discovery", t.Prefix))
				continue
			}
			err = walk(sp, t.Raw)
		case KindRange:
			sp := span{t.First, t.Last}
			s.allow = append(s.allow, sp)
			err = walk(sp, t.Raw)
		case KindName:
			err = resolveName(t.Name, t.Raw, t.Port, true)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, h := range hosts {
		slices.Sort(h.Names)
		h.OnlyPorts = len(h.Ports) > 0 && !full[h.Addr] && !slices.ContainsFunc(h.Names, func(n string) bool { return fullName[n] })
		s.Hosts = append(s.Hosts, *h)
	}
	slices.SortFunc(s.Hosts, func(a, b Host) int { return a.Addr.Compare(b.Addr) })
	slices.SortFunc(s.Names, func(a, b Name) int { return cmp.Compare(a.Name, b.Name) })
	return s, nil
}

// spanSize counts the addresses in sp, stopping at limit.
func spanSize(sp span, limit int) int {
	n := 0
	for a := sp.first; n < limit; a = a.Next() {
		n++
		if a == sp.last {
			break
		}
	}
	return n
}

// lookupReason is a lookup failure without the resolver address Go puts in
// its messages (with --resolver that address is not the one asked).
func lookupReason(err error) string {
	var de *net.DNSError
	if errors.As(err, &de) {
		return de.Err
	}
	return err.Error()
}
