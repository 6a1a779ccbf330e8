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
// Hosts the user listed (addresses, names, URLs) are kept one by one; the
// addresses of CIDRs and ranges are kept as segments and produced on
// demand by Hosts, so a /16 costs a few spans, not 65,536 Host values.
type Set struct {
	Names []Name
	// Sparse holds in-scope IPv6 prefixes shorter than /112: never walked;
	// their hosts come from names and neighbour discovery.
	Sparse []netip.Prefix
	// Notes says what was left out and why (exclusions, failed lookups).
	Notes []string

	allow, deny []span

	listed []Host // sorted by address, outside every segment
	segs   []seg  // sorted, disjoint, exclusions cut out
	count  int    // len(listed) + the addresses of segs
}

// span is an inclusive address range of one family. The guard keeps
// spans rather than prefixes because targets and exclusions may be ranges
// (198.51.100.50-59) that no single prefix covers.
type span struct{ first, last netip.Addr }

// contains compares within one family only: an IPv4 address is never in
// an IPv6 span (callers unmap ::ffff:a.b.c.d first).
func (s span) contains(a netip.Addr) bool {
	return s.first.BitLen() == a.BitLen() && !a.Less(s.first) && !s.last.Less(a)
}

// prefixSpan is p's first and last address (host bits all 0, all 1).
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
	x := newExpander(ctx, o)
	if err := x.exclude(excludes); err != nil {
		return nil, err
	}
	for _, t := range targets {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := x.target(t); err != nil {
			return nil, err
		}
	}
	return x.finish(), nil
}

// expander is one expansion in progress: the Set it fills and what the
// targets expanded so far have brought in.
type expander struct {
	ctx context.Context
	o   Options
	res Resolver
	s   *Set

	hosts map[netip.Addr]*Host
	// full and fullName hold the hosts and names some target other than a
	// URL brought in; the others are scanned on their URL ports only.
	full     map[netip.Addr]bool
	fullName map[string]bool
	names    map[string]bool // names resolved already
	viaURL   bool            // the target being expanded is a URL

	// walks are the CIDRs and ranges, in target order, kept as spans;
	// walked counts their addresses outside the exclusions and extra the
	// listed hosts outside them, so MaxHosts counts distinct addresses.
	walks         []walkSpan
	walked, extra int
	// step orders every origin a host got, so a listed host inside a
	// CIDR lists its origins in target order; steps[a] parallels
	// hosts[a].Origin.
	step  int
	steps map[netip.Addr][]int
}

// newExpander applies the Options defaults: at most 65536 hosts (a /16)
// unless --max-hosts says otherwise, and the system resolver.
func newExpander(ctx context.Context, o Options) *expander {
	if o.MaxHosts <= 0 {
		o.MaxHosts = 65536
	}
	var res Resolver = net.DefaultResolver
	if o.Resolver != nil {
		res = o.Resolver
	}
	return &expander{ctx: ctx, o: o, res: res, s: &Set{},
		hosts: map[netip.Addr]*Host{}, full: map[netip.Addr]bool{}, fullName: map[string]bool{}, names: map[string]bool{},
		steps: map[netip.Addr][]int{}}
}

// exclude records the exclusions; they must be known before any target
// adds a host.
func (x *expander) exclude(excludes []Spec) error {
	for _, e := range excludes {
		switch e.Kind {
		case KindAddr:
			x.s.deny = append(x.s.deny, span{e.Addr, e.Addr})
		case KindPrefix:
			x.s.deny = append(x.s.deny, prefixSpan(e.Prefix))
		case KindRange:
			x.s.deny = append(x.s.deny, span{e.First, e.Last})
		case KindName:
			addrs, err := x.res.LookupNetIP(x.ctx, "ip", e.Name)
			if err != nil {
				// An exclusion that cannot be resolved must not let its
				// addresses slip into the scan: refuse to start.
				return fmt.Errorf("targets: exclusion %s (%s) does not resolve: %w", e.Name, e.Source, err)
			}
			for _, a := range addrs {
				a = a.Unmap()
				x.s.deny = append(x.s.deny, span{a, a})
			}
		}
	}
	return nil
}

// target expands one target into allowed spans and hosts.
func (x *expander) target(t Spec) error {
	x.viaURL = t.URL != ""
	if t.Kind == KindName && !x.viaURL {
		x.fullName[t.Name] = true
	}
	switch t.Kind {
	case KindAddr:
		x.s.allow = append(x.s.allow, span{t.Addr, t.Addr})
		if x.s.Excluded(t.Addr) {
			x.s.Notes = append(x.s.Notes, fmt.Sprintf("%s: excluded", t.Addr))
		}
		return x.add(t.Addr, t.Raw, "", t.Port, true)
	case KindPrefix:
		sp := prefixSpan(t.Prefix)
		x.s.allow = append(x.s.allow, sp)
		if t.Prefix.Addr().Is6() && t.Prefix.Bits() < 112 {
			x.s.Sparse = append(x.s.Sparse, t.Prefix)
			x.s.Notes = append(x.s.Notes, fmt.Sprintf("%s: IPv6 prefix shorter than /112 is not enumerated; its hosts come from names and neighbour discovery", t.Prefix))
			return nil
		}
		return x.walk(sp, t.Raw)
	case KindRange:
		sp := span{t.First, t.Last}
		x.s.allow = append(x.s.allow, sp)
		return x.walk(sp, t.Raw)
	case KindName:
		return x.resolveName(t.Name, t.Raw, t.Port, true)
	}
	return nil
}

// add brings address a in as a host (unless excluded), merging what this
// target says about it into what earlier ones said.
func (x *expander) add(a netip.Addr, origin, name string, port uint16, named bool) error {
	a = a.Unmap()
	if x.s.Excluded(a) {
		return nil
	}
	if !x.viaURL {
		x.full[a] = true
	}
	h := x.hosts[a]
	if h == nil {
		if !x.inWalks(a) {
			if x.walked+x.extra >= x.o.MaxHosts {
				return errTooMany(x.o.MaxHosts)
			}
			x.extra++
		}
		h = &Host{Addr: a}
		x.hosts[a] = h
	}
	if name != "" && !slices.Contains(h.Names, name) {
		h.Names = append(h.Names, name)
	}
	if port != 0 && !slices.Contains(h.Ports, port) {
		h.Ports = append(h.Ports, port)
	}
	x.step++
	if !slices.Contains(h.Origin, origin) {
		h.Origin = append(h.Origin, origin)
		x.steps[a] = append(x.steps[a], x.step)
	}
	h.Named = h.Named || named
	return nil
}

// walk brings in every address of sp, refusing a span larger than
// MaxHosts. A span of more than one address is kept as a span (Set.Hosts
// produces its addresses); the distinct addresses of all targets still
// count against MaxHosts.
func (x *expander) walk(sp span, origin string) error {
	if n := spanSize(sp, x.o.MaxHosts+1); n > x.o.MaxHosts {
		return fmt.Errorf("targets: %s expands to more than %d hosts (--max-hosts); narrow it or raise the limit", origin, x.o.MaxHosts)
	}
	if sp.first == sp.last {
		return x.add(sp.first, origin, "", 0, true)
	}
	x.step++
	x.walks = append(x.walks, walkSpan{span: sp, origin: origin, step: x.step})
	x.walked = 0
	for _, g := range segments(x.walks, x.s.deny) {
		x.walked += g.size()
	}
	x.extra = 0
	for a := range x.hosts {
		if !x.inWalks(a) {
			x.extra++
		}
	}
	if x.walked+x.extra > x.o.MaxHosts {
		return errTooMany(x.o.MaxHosts)
	}
	return x.ctx.Err()
}

func errTooMany(n int) error {
	return fmt.Errorf("targets: the targets expand to more than %d hosts (--max-hosts); narrow them or raise the limit", n)
}

// inWalks reports whether a CIDR or range target covers a (exclusions
// aside: excluded addresses never become hosts).
func (x *expander) inWalks(a netip.Addr) bool {
	return slices.ContainsFunc(x.walks, func(w walkSpan) bool { return w.contains(a) })
}

// resolveName looks name up and adds its addresses; with expand, a domain
// also brings in its MX, NS and www hosts (resolved in turn, not expanded).
func (x *expander) resolveName(name, origin string, port uint16, expand bool) error {
	if x.names[name] {
		x.namedAgain(name, port)
		return nil
	}
	x.names[name] = true
	n := Name{Name: name, Origin: origin, Derived: !expand}
	addrs, err := x.res.LookupNetIP(x.ctx, "ip", name)
	if err != nil {
		n.Err = lookupReason(err)
	}
	for _, a := range addrs {
		a = a.Unmap()
		n.Addrs = append(n.Addrs, a)
		if x.s.Excluded(a) {
			x.s.Notes = append(x.s.Notes, fmt.Sprintf("%s (%s): excluded", name, a))
			continue
		}
		x.s.allow = append(x.s.allow, span{a, a})
		if err := x.add(a, origin, name, port, true); err != nil {
			return err
		}
	}
	if expand && !x.o.NoDomainExpansion && !x.viaURL {
		x.lookupDomain(&n)
	}
	// A mail or DNS domain need not have addresses of its own; any
	// other name that does not resolve cannot be scanned: say so.
	if n.Err != "" && !n.Domain {
		x.s.Notes = append(x.s.Notes, fmt.Sprintf("%s: not scanned, it does not resolve (%s)", name, n.Err))
	}
	x.s.Names = append(x.s.Names, n)
	if n.Domain {
		return x.domainHosts(n)
	}
	return nil
}

// namedAgain handles a name given twice (as a name and as a URL, or two
// URLs): the addresses are known; the port still counts.
func (x *expander) namedAgain(name string, port uint16) {
	if port == 0 {
		return
	}
	for _, h := range x.hosts {
		if slices.Contains(h.Names, name) && !slices.Contains(h.Ports, port) {
			h.Ports = append(h.Ports, port)
		}
	}
}

// lookupDomain fills n's MX and NS hosts; having either makes it a domain.
func (x *expander) lookupDomain(n *Name) {
	if mx, err := x.res.LookupMX(x.ctx, n.Name); err == nil {
		for _, m := range mx {
			n.MX = append(n.MX, strings.TrimSuffix(strings.ToLower(m.Host), "."))
		}
	}
	if ns, err := x.res.LookupNS(x.ctx, n.Name); err == nil {
		for _, h := range ns {
			n.NS = append(n.NS, strings.TrimSuffix(strings.ToLower(h.Host), "."))
		}
	}
	n.Domain = len(n.MX) > 0 || len(n.NS) > 0
}

// domainHosts brings in the MX and NS hosts of domain n and, for a zone
// (it has NS), its www name when that resolves.
func (x *expander) domainHosts(n Name) error {
	for _, h := range n.MX {
		if err := x.resolveName(h, "mx of "+n.Name, 0, false); err != nil {
			return err
		}
	}
	for _, h := range n.NS {
		if err := x.resolveName(h, "ns of "+n.Name, 0, false); err != nil {
			return err
		}
	}
	if len(n.NS) == 0 {
		return nil
	}
	www := "www." + n.Name
	if a, err := x.res.LookupNetIP(x.ctx, "ip", www); err == nil && len(a) > 0 {
		return x.resolveName(www, "www of "+n.Name, 0, false)
	}
	return nil
}

// finish sorts the listed hosts and names, folds into each listed host
// the CIDRs and ranges that cover it, decides which hosts only URLs
// brought in, and cuts the spans into segments.
func (x *expander) finish() *Set {
	s := x.s
	s.segs = segments(x.walks, s.deny)
	for _, g := range s.segs {
		s.count += g.size()
	}
	for _, h := range x.hosts {
		steps := x.steps[h.Addr]
		for _, w := range x.walks {
			if !w.contains(h.Addr) {
				continue
			}
			x.full[h.Addr] = true
			if slices.Contains(h.Origin, w.origin) {
				continue
			}
			i, _ := slices.BinarySearch(steps, w.step)
			h.Origin = slices.Insert(h.Origin, i, w.origin)
			steps = slices.Insert(steps, i, w.step)
		}
		if !x.inWalks(h.Addr) {
			s.count++
		}
		slices.Sort(h.Names)
		h.OnlyPorts = len(h.Ports) > 0 && !x.full[h.Addr] && !slices.ContainsFunc(h.Names, func(n string) bool { return x.fullName[n] })
		s.listed = append(s.listed, *h)
	}
	slices.SortFunc(s.listed, func(a, b Host) int { return a.Addr.Compare(b.Addr) })
	slices.SortFunc(s.Names, func(a, b Name) int { return cmp.Compare(a.Name, b.Name) })
	return s
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
