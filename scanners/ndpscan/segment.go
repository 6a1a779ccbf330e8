// Package ndpscan listens to a layer-2 segment for IPv6: it solicits
// (ICMPv6 echo to ff02::1, an MLD general query, a Router Solicitation, a
// DHCPv6 Solicit) and captures for a window, then reports every machine
// that spoke IPv6, every Router Advertisement and every transition
// mechanism (proto 41, Teredo, 6to4/ISATAP addresses) it saw. It never
// sends a Router Advertisement. It needs CAP_NET_RAW on the interface.
package ndpscan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"shindan/scanners"
	"shindan/scanners/rawio"
)

// Segment is the sweeper. Targets name the interface in Target.Segment;
// Iface, when set, is used for targets that name none.
type Segment struct {
	Iface string
	// Window is how long to capture; 0 means the "ndp_window" option
	// (a Go duration) or 5s.
	Window time.Duration
	// Passive only listens: no echo, MLD query, RS or DHCPv6 Solicit.
	Passive bool
}

// ID names the sweeper.
func (s *Segment) ID() string { return scanners.ProbeNDPSegment }

func init() { scanners.RegisterSweeper(&Segment{}) }

// window is how long to capture. The 5 s default covers what the
// solicitations make hosts send: an RA solicited by our RS comes within
// about MIN_DELAY_BETWEEN_RAS + MAX_RA_DELAY_TIME (3 s + 0.5 s, RFC 4861
// §6.2.6, §10) and MLD reports within the query's 1 s response delay; a
// router's unsolicited RA may take up to 600 s, which a passive listen
// can miss.
func (s *Segment) window(env *scanners.Env) time.Duration {
	if s.Window > 0 {
		return s.Window
	}
	if d := env.Settings.NDP.Window; d > 0 {
		return d
	}
	return 5 * time.Second
}

// Sweep listens on each distinct segment named by the targets (or on
// s.Iface). It returns rawio.ErrNeedRawSocket when capture is not permitted.
func (s *Segment) Sweep(ctx context.Context, env *scanners.Env, ts iter.Seq[scanners.Target], emit func(scanners.Observation)) error {
	var ifaces []string
	for t := range ts {
		if t.Segment != "" && !slices.Contains(ifaces, t.Segment) {
			ifaces = append(ifaces, t.Segment)
		}
	}
	if len(ifaces) == 0 && s.Iface != "" {
		ifaces = []string{s.Iface}
	}
	for _, ifc := range ifaces {
		if err := s.listen(ctx, env, ifc, emit); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

// hostAcc accumulates one MAC's sightings: its IPv6 sources, IPv4
// addresses (from ARP or IPv4 frames) and how it was seen.
type hostAcc struct {
	addrs, v4, via []string
}

// addUniq appends v once; sets stay small (one host's addresses).
func addUniq(s []string, v string) []string {
	if v == "" || slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// listen runs one segment: open the raw socket, capture for the window
// while soliciting, then emit the sightings and the summary. Only a
// missing capability aborts the sweep (no segment can be listened to);
// any other failure is this segment's failed observation, so the checks
// report error for it instead of pass.
func (s *Segment) listen(ctx context.Context, env *scanners.Env, ifc string, emit func(scanners.Observation)) error {
	seg := scanners.Target{Segment: ifc, Proto: scanners.L2}
	start := env.Clock()
	pc, err := rawio.ListenPacket(ifc, true, false)
	if err != nil {
		if errors.Is(err, rawio.ErrNeedRawSocket) {
			return err
		}
		emit(scanners.Failed(scanners.ProbeNDPSegment, seg, start, err))
		return nil
	}
	defer pc.Close()
	mac := pc.Iface.HardwareAddr
	if len(mac) != 6 {
		emit(scanners.Failed(scanners.ProbeNDPSegment, seg, start, fmt.Errorf("ndpscan: %s is not an Ethernet interface", ifc)))
		return nil
	}
	own := ownAddrs(pc.Iface, mac)
	window := s.window(env)
	summary := &scanners.SegmentScan{Iface: ifc, IPv4: own.v4, WindowMS: window.Milliseconds()}

	// Capture runs while we solicit, so no answer is missed.
	cctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	c := newCapture(mac.String())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(cctx, pc)
	}()
	if !s.Passive {
		summary.Sent = solicit(cctx, env, pc, mac, own)
	}
	<-done
	if ctx.Err() != nil {
		emit(scanners.Failed(scanners.ProbeNDPSegment, seg, start, ctx.Err()))
		return ctx.Err()
	}
	c.emit(seg, env.Clock(), window, summary.Sent, emit)
	summary.Frames, summary.Hosts, summary.RAs, summary.Transit = c.frames, len(c.hosts), len(c.ras), len(c.trans)
	emit(scanners.Observation{Probe: scanners.ProbeNDPSegment, Target: seg, At: start, Status: scanners.OK, Data: summary,
		Evidence: []scanners.Evidence{{Kind: "note", Summary: fmt.Sprintf("listened %s on %s (%v), sent %v: %d frames, %d IPv6 hosts, %d routers, %d transition sightings",
			window, ifc, own.v4, summary.Sent, c.frames, len(c.hosts), len(c.ras), len(c.trans))}}})
	return nil
}

// ifaceAddrs is what the interface itself holds: the source of our
// solicitations and the IPv4 subnets to ARP in.
type ifaceAddrs struct {
	src  netip.Addr     // link-local source
	v4   []string       // IPv4 subnets, masked
	own4 []netip.Prefix // IPv4 addresses with their prefix length
}

// ownAddrs reads the interface's addresses; without a configured
// link-local address the EUI-64 one of mac is the source.
func ownAddrs(ifc *net.Interface, mac net.HardwareAddr) ifaceAddrs {
	o := ifaceAddrs{src: linkLocal(mac)}
	addrs, err := ifc.Addrs()
	if err != nil {
		return o
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		p, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ones, _ := ipn.Mask.Size()
		switch p = p.Unmap(); {
		case p.Is4():
			o.v4 = append(o.v4, netip.PrefixFrom(p, ones).Masked().String())
			o.own4 = append(o.own4, netip.PrefixFrom(p, ones))
		case p.IsLinkLocalUnicast():
			o.src = p // the kernel will answer NS for it, so replies reach us
		}
	}
	return o
}

// solicit sends the echo to all nodes, the MLD query, the RS, the DHCPv6
// Solicit and the ARP requests, and returns the names of what went out.
func solicit(ctx context.Context, env *scanners.Env, pc *rawio.PacketConn, mac net.HardwareAddr, own ifaceAddrs) []string {
	var sent []string
	id := uint16(rand.Uint32())
	for _, f := range []struct {
		name  string
		dst   netip.Addr
		frame []byte
	}{
		{"echo-ff02::1", allNodes, echoRequest(mac, own.src, id)},
		{"mld-query", allNodes, mldQuery(mac, own.src)},
		{"rs", allRouters, routerSolicit(mac, own.src)},
		{"dhcpv6-solicit", dhcpAgents, dhcpSolicit(mac, own.src, rand.Uint32()&0xffffff)},
	} {
		if err := pc.Send(ctx, env, f.dst, f.frame); err != nil {
			env.Logger().Debug("ndpscan: send", "iface", pc.Iface.Name, "what", f.name, "err", err)
			continue
		}
		sent = append(sent, f.name)
	}
	if arps := arpSubnets(ctx, env, pc, mac, own.own4); arps > 0 {
		sent = append(sent, fmt.Sprintf("arp×%d", arps))
	}
	return sent
}

// arpSubnets ARPs for the in-scope addresses of the interface's own
// subnets (up to a /22), so an IPv6-speaking MAC gets its IPv4 name. It
// returns the requests sent.
func arpSubnets(ctx context.Context, env *scanners.Env, pc *rawio.PacketConn, mac net.HardwareAddr, own4 []netip.Prefix) int {
	arps := 0
	for _, p := range own4 {
		if p.Bits() < 22 {
			continue
		}
		for a := p.Masked().Addr().Next(); p.Contains(a) && ctx.Err() == nil; a = a.Next() {
			if a == p.Addr() || env.Allow != nil && !env.Allow(a) {
				continue
			}
			if pc.Send(ctx, env, a, arpRequest(mac, p.Addr(), a)) == nil {
				arps++
			}
		}
	}
	return arps
}

// capture accumulates what the frames of one listening window showed,
// keyed by source MAC (hosts, IPv4 names), router address (RAs) and
// mechanism with endpoints (transitions).
type capture struct {
	own    string // our MAC: our own frames are not sightings
	frames int
	hosts  map[string]*hostAcc
	ras    map[string]*scanners.RouterAdvert
	trans  map[string]*scanners.Transition
	v4     map[string][]string
}

// newCapture starts an empty capture that ignores frames from own.
func newCapture(own string) *capture {
	return &capture{own: own, hosts: map[string]*hostAcc{}, ras: map[string]*scanners.RouterAdvert{},
		trans: map[string]*scanners.Transition{}, v4: map[string][]string{}}
}

// run reads frames until ctx ends or the socket fails.
func (c *capture) run(ctx context.Context, pc *rawio.PacketConn) {
	d := newDecoder()
	b := make([]byte, rawio.MaxPacket)
	for ctx.Err() == nil {
		// A short read deadline so that the end of the window is noticed.
		n, outgoing, err := pc.Recv(b, time.Now().Add(100*time.Millisecond))
		if err != nil || outgoing {
			if err != nil && !rawio.IsTimeout(err) {
				return
			}
			continue
		}
		c.frames++
		if sg, ok := d.decode(b[:n]); ok && sg.mac != c.own {
			c.add(sg)
		}
	}
}

// add files one decoded frame by kind: an IPv4 source names the MAC, a
// tunnelled or transition-addressed packet is a transition, an IPv6 packet
// is a host sighting and, for an RA, a router.
func (c *capture) add(sg sighting) {
	if sg.v4src.IsValid() && !sg.v4src.IsUnspecified() {
		c.v4[sg.mac] = addUniq(c.v4[sg.mac], sg.v4src.String())
	}
	if sg.trans != nil {
		c.addTransition(sg)
	}
	if sg.via == "" {
		return
	}
	c.addHost(sg)
	if sg.ra != nil {
		c.addRA(sg)
	}
}

// addTransition keeps the first sighting of each mechanism and endpoints.
func (c *capture) addTransition(sg sighting) {
	k := sg.trans.mech + " " + sg.trans.src + " " + sg.trans.dst
	if _, seen := c.trans[k]; !seen {
		c.trans[k] = &scanners.Transition{Mechanism: sg.trans.mech, Source: sg.trans.src, Dest: sg.trans.dst, MAC: sg.mac, Detail: sg.trans.detail}
	}
}

// addHost files an IPv6 sighting under its source MAC: a host is a
// machine on the link, whatever addresses it used.
func (c *capture) addHost(sg sighting) {
	h := c.hosts[sg.mac]
	if h == nil {
		h = &hostAcc{}
		c.hosts[sg.mac] = h
	}
	if sg.v6src.IsValid() && !sg.v6src.IsUnspecified() {
		h.addrs = addUniq(h.addrs, sg.v6src.String())
	}
	h.via = addUniq(h.via, sg.via)
}

// addRA counts a router's advertisements; the last one's flags stand.
func (c *capture) addRA(sg sighting) {
	k := sg.v6src.String()
	ra := c.ras[k]
	if ra == nil {
		ra = &scanners.RouterAdvert{Router: k, MAC: sg.mac}
		c.ras[k] = ra
	}
	ra.Count++
	ra.Managed, ra.Other, ra.RouterLifetime = sg.ra.managed, sg.ra.other, sg.ra.lifetime
	for _, p := range sg.ra.prefixes {
		ra.Prefixes = addUniq(ra.Prefixes, p)
	}
}

// emit reports the routers, the machines that stayed quiet on IPv6, the
// IPv6 hosts and the transitions, in that order and sorted within each.
func (c *capture) emit(seg scanners.Target, at time.Time, window time.Duration, sent []string, emit func(scanners.Observation)) {
	ifc := seg.Segment
	for _, k := range slices.Sorted(maps.Keys(c.ras)) {
		ra := c.ras[k]
		t := seg
		if v := c.v4[ra.MAC]; len(v) > 0 {
			// The ARP map names the machine behind the router MAC.
			ra.IPv4 = v
			t.Addr = netip.MustParseAddr(v[0])
		}
		emit(scanners.Observation{Probe: scanners.ProbeNDPSegment, Target: t, At: at, Status: scanners.OK, Data: ra,
			Evidence: []scanners.Evidence{{Kind: "packet", Summary: fmt.Sprintf("Router Advertisement from %s (%s, IPv4 %v) on %s: prefixes %v, M=%v O=%v, router lifetime %ds, %d seen",
				ra.Router, ra.MAC, ra.IPv4, ifc, ra.Prefixes, ra.Managed, ra.Other, ra.RouterLifetime, ra.Count)}}})
	}
	for _, m := range slices.Sorted(maps.Keys(c.v4)) {
		if _, spoke := c.hosts[m]; spoke {
			continue
		}
		v4 := c.v4[m]
		emit(scanners.Observation{Probe: scanners.ProbeNDPSegment, Target: scanners.Target{Segment: ifc, Proto: scanners.L2, Addr: netip.MustParseAddr(v4[0])},
			At: at, Status: scanners.OK, Data: &scanners.QuietHost{MAC: m, IPv4: v4},
			Evidence: []scanners.Evidence{{Kind: "packet", Summary: fmt.Sprintf("%s (IPv4 %v) was seen on %s and sent no IPv6 in %s (sent: %v)",
				m, v4, ifc, window, sent)}}})
	}
	for _, m := range slices.Sorted(maps.Keys(c.hosts)) {
		h := c.hosts[m]
		slices.Sort(h.addrs)
		t := seg
		if v := c.v4[m]; len(v) > 0 {
			t.Addr = netip.MustParseAddr(v[0])
		} else if len(h.addrs) > 0 {
			t.Addr, _ = netip.ParseAddr(h.addrs[0])
		}
		emit(scanners.Observation{Probe: scanners.ProbeNDPSegment, Target: t, At: at, Status: scanners.OK,
			Data: &scanners.IPv6Host{MAC: m, Addrs: h.addrs, IPv4: c.v4[m], Via: h.via},
			Evidence: []scanners.Evidence{{Kind: "packet", Summary: fmt.Sprintf("%s (IPv4 %v) sent IPv6 on %s from %v: %s",
				m, c.v4[m], ifc, h.addrs, strings.Join(h.via, ", "))}}})
	}
	for _, k := range slices.Sorted(maps.Keys(c.trans)) {
		tr := c.trans[k]
		emit(scanners.Observation{Probe: scanners.ProbeNDPSegment, Target: seg, At: at, Status: scanners.OK, Data: tr,
			Evidence: []scanners.Evidence{{Kind: "packet", Summary: fmt.Sprintf("%s: %s → %s (%s, MAC %s)", tr.Mechanism, tr.Source, tr.Dest, tr.Detail, tr.MAC)}}})
	}
}
