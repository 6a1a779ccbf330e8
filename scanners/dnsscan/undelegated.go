package dnsscan

import (
	"context"
	"errors"
	"net/netip"
	"slices"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// maxZoneServers bounds Settings.DNS.ZoneServers: the name servers the
// user names for a zone whose parent cannot be reached (port 53;
// undelegated testing, like Zonemaster's --ns).
const maxZoneServers = 8

// ownNS fills d.ChildNS, the zone's NS set as the child serves it: first
// from the scanner's resolver (split horizon, stub zones), then from the
// servers in Settings.DNS.ZoneServers, asked without recursion.
func (c *client) ownNS(ctx context.Context, d *scanners.DNSDomain) error {
	rrs, err := c.lookup(ctx, d.Resolver, d.Zone, dns.TypeNS)
	if err == nil {
		if ns := nsNames(rrs, d.Zone); len(ns) > 0 {
			d.ChildNS, d.NSSource = clipNames(ns), "resolver "+d.Resolver
			return nil
		}
		err = errors.New("dnsscan: resolver " + d.Resolver + " has no NS records for " + d.Zone)
	}
	for _, a := range zoneServerAddrs(c.env.Settings.DNS.ZoneServers) {
		r, qerr := c.query(ctx, hostPort(a.String()), "udp", newQuery(d.Zone, dns.TypeNS, false))
		if qerr != nil {
			err = errors.Join(err, qerr)
			continue
		}
		if ns := nsNames(r.Msg.Answer, d.Zone); len(ns) > 0 && r.Msg.Authoritative {
			d.ChildNS, d.NSSource = clipNames(ns), "server "+a.String()
			d.Seeds = append(d.Seeds, a.String())
			return nil
		}
	}
	return err
}

// clipNames bounds an NS set taken from a server's answer: a hostile
// server must not make the probe query hundreds of name servers.
func clipNames(ns []string) []string {
	if len(ns) > maxNSNames {
		return ns[:maxNSNames]
	}
	return ns
}

// zoneServerAddrs bounds and deduplicates the configured zone servers.
func zoneServerAddrs(as []netip.Addr) []netip.Addr {
	var out []netip.Addr
	for _, a := range as {
		if a.IsValid() && !slices.Contains(out, a) && len(out) < maxZoneServers {
			out = append(out, a)
		}
	}
	return out
}

// childAddrs asks the zone's own servers (the seeds, then servers that
// already answered) for the addresses of an in-zone NS name: without a
// parent there is no glue, and the child's data is all there is.
func (c *client) childAddrs(ctx context.Context, d *scanners.DNSDomain, ns string) []string {
	if !dns.IsSubDomain(d.Zone, ns) {
		return nil
	}
	servers := slices.Clone(d.Seeds)
	for _, s := range d.Servers {
		if s.Answered && !s.Lame && !slices.Contains(servers, s.Addr) {
			servers = append(servers, s.Addr)
		}
	}
	for _, srv := range servers {
		var out []string
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			r, err := c.query(ctx, hostPort(srv), "udp", newQuery(ns, qt, false))
			if err != nil || !r.Msg.Authoritative {
				continue
			}
			for _, a := range addrRecords(r.Msg.Answer) {
				if a.Name == ns && len(out) < maxAddrsPerNS && !slices.Contains(out, a.Addr) {
					out = append(out, a.Addr)
				}
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}
