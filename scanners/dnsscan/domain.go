package dnsscan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
	"shindan/scanners/dnsclient"
)

func init() { scanners.Register(domainProbe{}) }

// Bounds on what one domain may make us query.
const (
	maxParentServers = 6
	maxNSNames       = 13
	maxAddrsPerNS    = 4
	maxNames         = 64
)

// commonLabels are the names looked up for dns.internal-leak besides the
// apex, the NS and the MX hosts: names that often point inside.
var commonLabels = []string{"www", "mail", "smtp", "mx", "ns", "ns1", "ns2", "vpn", "intranet", "internal", "portal",
	"remote", "webmail", "autodiscover", "owa", "gw", "proxy", "ldap", "ad", "dc", "fs", "nas"}

// domainProbe is dns.domain: a domain target's delegation and zone data.
type domainProbe struct{}

var _ scanners.Probe = domainProbe{}

// Info declares dns.domain per name target: a zone is found by its name,
// not by an address.
func (domainProbe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeDNSDomain, Level: scanners.LevelName}
}

// Run examines the zone t.Name: the NS set and glue at the parent (found
// through the scanner's resolver, Settings.Resolver or /etc/resolv.conf),
// then SOA and NS at every NS address over IPv4 and IPv6, AXFR/IXFR at each,
// DNSSEC, and the addresses of public names. Cancelling ctx stops it.
func (domainProbe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	at := env.Clock()
	if t.Name == "" || t.Addr.IsValid() {
		return nil, nil
	}
	resolver, err := resolverAddr(env.Settings.Resolver)
	if err != nil {
		return []scanners.Observation{scanners.Failed(scanners.ProbeDNSDomain, t, at, err)}, nil
	}
	c := &client{env: env}
	d := &scanners.DNSDomain{Zone: strings.ToLower(dns.Fqdn(t.Name)), Resolver: resolver}
	d.Parent = parentName(d.Zone)
	if err := c.delegation(ctx, d); err != nil {
		if ctx.Err() != nil {
			return []scanners.Observation{scanners.Failed(scanners.ProbeDNSDomain, t, at, ctx.Err())}, nil
		}
		// Undelegated testing: the parent cannot be reached or does not
		// delegate (pre-launch zone, split horizon behind --resolver). The
		// zone is analysed from its own NS set; the parent side is
		// reported on its own.
		d.ParentError = err.Error()
		d.ParentNS, d.Glue, d.ParentServers, d.DNSSEC.DS = nil, nil, nil, nil
		if err2 := c.ownNS(ctx, d); err2 != nil {
			return []scanners.Observation{scanners.Failed(scanners.ProbeDNSDomain, t, at,
				fmt.Errorf("%w; the zone's own NS set: %v", err, err2))}, nil
		}
	}
	c.zoneServers(ctx, d)
	if ctx.Err() != nil {
		return []scanners.Observation{scanners.Failed(scanners.ProbeDNSDomain, t, at, ctx.Err())}, nil
	}
	if !slices.ContainsFunc(d.Servers, func(s scanners.DNSZoneServer) bool { return s.Answered }) {
		// Replies that did not parse are a protocol error, not silence.
		st := scanners.Timeout
		if len(d.Servers) > 0 && !slices.ContainsFunc(d.Servers, func(s scanners.DNSZoneServer) bool {
			return !strings.Contains(s.Error, errMalformed.Error())
		}) {
			st = scanners.ProtocolError
		}
		reason := "dnsscan: no name server of " + d.Zone + " answered"
		if st == scanners.ProtocolError {
			reason = "dnsscan: no name server of " + d.Zone + " sent a readable reply: " + d.Servers[0].Error
		}
		o := scanners.Observation{Probe: scanners.ProbeDNSDomain, Target: t, At: at, Status: st, Reason: reason, Data: d}
		return []scanners.Observation{o}, nil
	}
	for _, s := range d.Servers {
		if !s.Answered {
			continue
		}
		hp := hostPort(s.Addr)
		d.Transfers = append(d.Transfers, c.transfer(ctx, hp, d.Zone, dns.TypeAXFR), c.transfer(ctx, hp, d.Zone, dns.TypeIXFR))
	}
	c.dnssec(ctx, d)
	c.names(ctx, d)
	summary := "delegation of " + d.Zone + " at " + d.Parent
	if d.ParentError != "" {
		summary = d.Zone + " analysed from its own NS set (" + d.NSSource + "); parent " + d.Parent + " not usable"
	}
	ev := []scanners.Evidence{{Kind: "dns", Summary: summary, Data: domainText(d)}}
	return []scanners.Observation{{Probe: scanners.ProbeDNSDomain, Target: t, At: at, Status: scanners.OK, Data: d, Evidence: ev}}, nil
}

// resolverAddr returns "host:port" of the scanner's own resolver.
func resolverAddr(s string) (string, error) {
	if s != "" {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return net.JoinHostPort(s, "53"), nil
		}
		return s, nil
	}
	s, err := dnsclient.SystemServer()
	if err != nil {
		return "", fmt.Errorf("dnsscan: no resolver configured (set --resolver): %w", err)
	}
	return s, nil
}

// hostPort is a name server's address on port 53; JoinHostPort adds the
// brackets an IPv6 address needs.
func hostPort(addr string) string { return net.JoinHostPort(addr, "53") }

// lookup asks the resolver for name/qtype and returns the answer records.
func (c *client) lookup(ctx context.Context, resolver, name string, qtype uint16) ([]dns.RR, error) {
	r, err := c.query(ctx, resolver, "udp", newQuery(name, qtype, true))
	if err != nil {
		return nil, err
	}
	if r.Msg.Rcode != dns.RcodeSuccess {
		return nil, errors.New("dnsscan: resolver answered " + rcode(r.Msg) + " for " + name + " " + dns.TypeToString[qtype])
	}
	return r.Msg.Answer, nil
}

// addrsOf resolves name to its IPv4 and IPv6 addresses through the resolver.
func (c *client) addrsOf(ctx context.Context, resolver, name string) []string {
	var out []string
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, err := c.lookup(ctx, resolver, name, qt)
		if err != nil {
			continue
		}
		for _, a := range addrRecords(rrs) {
			if strings.EqualFold(a.Name, dns.Fqdn(name)) && len(out) < maxAddrsPerNS && !slices.Contains(out, a.Addr) {
				out = append(out, a.Addr)
			}
		}
	}
	return out
}

// delegation fills the parent's servers, the NS set and glue in the
// parent's referral, and the DS set.
func (c *client) delegation(ctx context.Context, d *scanners.DNSDomain) error {
	rrs, err := c.lookup(ctx, d.Resolver, d.Parent, dns.TypeNS)
	if err != nil {
		return err
	}
	for _, ns := range nsNames(rrs, d.Parent) {
		for _, a := range c.addrsOf(ctx, d.Resolver, ns) {
			if len(d.ParentServers) < maxParentServers {
				d.ParentServers = append(d.ParentServers, a)
			}
		}
	}
	if len(d.ParentServers) == 0 {
		return errors.New("dnsscan: no address for any name server of the parent zone " + d.Parent)
	}
	// The parent's servers are not targets: ask them only about this
	// zone's delegation, as a resolver would.
	pc := &client{env: c.env, viaLookup: true}
	for _, ps := range d.ParentServers {
		r, err := pc.query(ctx, hostPort(ps), "udp", newQuery(d.Zone, dns.TypeNS, false))
		if err != nil {
			d.Notes = append(d.Notes, "parent server "+ps+": "+err.Error())
			continue
		}
		d.ParentNS = nsNames(append(r.Msg.Ns, r.Msg.Answer...), d.Zone)
		for _, g := range addrRecords(r.Msg.Extra) {
			if slices.Contains(d.ParentNS, g.Name) {
				d.Glue = append(d.Glue, g)
			}
		}
		if dr, err := pc.query(ctx, hostPort(ps), "udp", newQuery(d.Zone, dns.TypeDS, false)); err == nil {
			for _, rr := range dr.Msg.Answer {
				if ds, ok := rr.(*dns.DS); ok {
					d.DNSSEC.DS = append(d.DNSSEC.DS, clip(strings.ReplaceAll(ds.String(), "\t", " "), maxRRText))
				}
			}
		}
		if r.Msg.Rcode == dns.RcodeNameError {
			return errors.New("dnsscan: the parent " + d.Parent + " says " + d.Zone + " does not exist (NXDOMAIN)")
		}
		break
	}
	if len(d.ParentNS) == 0 {
		return errors.New("dnsscan: no parent server of " + d.Parent + " returned a delegation for " + d.Zone)
	}
	if len(d.ParentNS) > maxNSNames {
		d.ParentNS = d.ParentNS[:maxNSNames]
	}
	return nil
}

// zoneServers asks every address of every NS name (parent's and child's)
// for SOA and NS.
func (c *client) zoneServers(ctx context.Context, d *scanners.DNSDomain) {
	names := slices.Clone(d.ParentNS)
	if len(names) == 0 {
		names = slices.Clone(d.ChildNS)
	}
	d.IPv6Tested = true
	v6unreach := 0
	for i := 0; i < len(names) && i < maxNSNames; i++ {
		ns := names[i]
		var addrs []string
		for _, g := range d.Glue {
			if g.Name == ns && len(addrs) < maxAddrsPerNS {
				addrs = append(addrs, g.Addr)
			}
		}
		if len(addrs) == 0 {
			addrs = c.addrsOf(ctx, d.Resolver, ns)
		}
		if len(addrs) == 0 && d.ParentError != "" {
			addrs = c.childAddrs(ctx, d, ns)
		}
		if len(addrs) == 0 {
			d.Servers = append(d.Servers, scanners.DNSZoneServer{Name: ns, Error: "name server has no address"})
		}
		for _, a := range addrs {
			s := c.zoneServer(ctx, d.Zone, ns, a)
			if s.NotTested {
				v6unreach++
			}
			d.Servers = append(d.Servers, s)
			for _, n := range s.NS {
				if !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
	}
	c.recheckSerials(ctx, d)
	if v6unreach > 0 && !slices.ContainsFunc(d.Servers, func(s scanners.DNSZoneServer) bool {
		return s.Answered && strings.Contains(s.Addr, ":")
	}) {
		d.IPv6Tested = false
	}
}

// zoneServer asks one NS address for the zone's SOA without recursion.
// Only an authoritative (AA) NOERROR answer with the zone's SOA counts;
// a referral or a non-authoritative answer makes the server lame. An IPv6
// address the scanner has no route to is "not tested" rather than silent
// (pitfalls §2.6), so a scanner without IPv6 does not blame the zone.
func (c *client) zoneServer(ctx context.Context, zone, name, addr string) scanners.DNSZoneServer {
	s := scanners.DNSZoneServer{Name: name, Addr: addr}
	r, err := c.query(ctx, hostPort(addr), "udp", newQuery(zone, dns.TypeSOA, false))
	if err != nil {
		s.Error = err.Error()
		if a, perr := netip.ParseAddr(addr); perr == nil && a.Is6() && errors.Is(err, syscall.ENETUNREACH) {
			s.NotTested = true
		}
		return s
	}
	s.Answered, s.Rcode, s.AA = true, rcode(r.Msg), r.Msg.Authoritative
	if soa := soaOf(r.Msg, zone); soa != nil {
		s.HasSOA, s.Serial = true, soa.Serial
		s.SOA = clip(strings.ReplaceAll(soa.String(), "\t", " "), maxRRText)
	}
	s.Lame = !(s.AA && s.HasSOA && r.Msg.Rcode == dns.RcodeSuccess)
	if s.Lame {
		return s
	}
	if nr, err := c.query(ctx, hostPort(addr), "udp", newQuery(zone, dns.TypeNS, false)); err == nil {
		s.NS = nsNames(nr.Msg.Answer, zone)
	}
	return s
}

// domainText is the evidence text of a domain: delegation and per-server
// answers, one line each.
func domainText(d *scanners.DNSDomain) string {
	var b strings.Builder
	if d.ParentError != "" {
		b.WriteString(";; parent " + d.Parent + " not usable: " + d.ParentError + "\n")
		b.WriteString(";; " + d.Zone + " NS (" + d.NSSource + "): " + strings.Join(d.ChildNS, " ") + "\n")
	} else {
		b.WriteString(";; parent " + d.Parent + " (" + strings.Join(d.ParentServers, " ") + ") delegates " + d.Zone + " to: " + strings.Join(d.ParentNS, " ") + "\n")
	}
	for _, g := range d.Glue {
		b.WriteString(";; glue " + g.Name + " " + g.Addr + "\n")
	}
	for _, s := range d.Servers {
		b.WriteString(";; " + s.Name + " " + s.Addr + ": ")
		switch {
		case !s.Answered:
			b.WriteString("no answer: " + s.Error)
		case s.Lame:
			b.WriteString("LAME (" + s.Rcode + ", aa=" + boolStr(s.AA) + ")")
		default:
			b.WriteString(s.SOA + " | NS " + strings.Join(s.NS, " "))
		}
		b.WriteString("\n")
	}
	return clip(b.String(), 4*maxTextBytes)
}

// boolStr writes a header flag as dig does (aa=1).
func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// recheckSerials asks every authoritative server for the SOA once more when
// their serials differ: a busy zone is legitimately caught mid-update
// (pitfalls §2.5), so only a difference that survives the pause is
// evidence. The pause is Settings.DNS.SOARecheck (default 2s).
func (c *client) recheckSerials(ctx context.Context, d *scanners.DNSDomain) {
	serials := map[uint32]bool{}
	for _, s := range d.Servers {
		if s.Answered && !s.Lame && s.HasSOA {
			serials[s.Serial] = true
		}
	}
	if len(serials) < 2 {
		return
	}
	pause := 2 * time.Second
	if v := c.env.Settings.DNS.SOARecheck; v > 0 {
		pause = v
	}
	select {
	case <-time.After(pause):
	case <-ctx.Done():
		return
	}
	for i, s := range d.Servers {
		if !s.Answered || s.Lame || !s.HasSOA {
			continue
		}
		r, err := c.query(ctx, hostPort(s.Addr), "udp", newQuery(d.Zone, dns.TypeSOA, false))
		if err != nil {
			continue
		}
		if soa := soaOf(r.Msg, d.Zone); soa != nil && soa.Serial != s.Serial {
			d.Notes = append(d.Notes, fmt.Sprintf("%s %s: serial %d changed to %d on the re-check", s.Name, s.Addr, s.Serial, soa.Serial))
			d.Servers[i].Serial = soa.Serial
			d.Servers[i].SOA = clip(strings.ReplaceAll(soa.String(), "\t", " "), maxRRText)
		}
	}
	d.Notes = append(d.Notes, fmt.Sprintf("serials differed; every server was asked again after %s", pause))
}
