package dnsscan

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"shindan/scanners"
)

func init() {
	scanners.Register(serverProbe{})
	scanners.Register(udpProbe{})
}

// DefaultProbeName is the recursion probe name when the policy sets none
// (probe option "resolver_probe_name"). example.com is reserved by RFC 2606
// and resolves on the public internet; the lab serves its own copy.
const DefaultProbeName = "www.example.com."

// rrlBurst is how many identical queries the rate-limit test sends: more
// than the few responses per second that response rate limiting is
// usually set to allow one client (BIND's documented example is 5), so a
// limiting server visibly drops or truncates part of the burst, and few
// enough to be no load on a server that does not limit.
const rrlBurst = 20

// serverProbe is dns.server: one DNS endpoint (TCP/53 found by discovery).
type serverProbe struct{}

var _ scanners.Probe = serverProbe{}

// Info declares dns.server per endpoint, run on every open port whose
// identified service is dns.
func (serverProbe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeDNSServer, Level: scanners.LevelEndpoint, Services: []string{"dns"}}
}

// Run tests t (an address with its DNS port) for recursion over UDP and
// TCP, identity disclosure, zone transfers of the zones it serves, and
// amplification. Cancelling ctx stops it between and inside exchanges.
func (serverProbe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	port := t.Port
	if port == 0 {
		port = 53
	}
	return runServer(ctx, env, t, netip.AddrPortFrom(t.Addr, port).String(), scanners.ProbeDNSServer, false), nil
}

// udpProbe is dns.udp: a host-level probe for DNS servers that listen on
// UDP only (discovery's connect scan cannot see them). It runs after
// dns.server and port discovery. It tries udp/53 and every UDP port that
// discovery found open or open|filtered on the host, skipping a port
// dns.server already covered over TCP; on each it sends one SOA query for
// "." and, when a DNS reply comes back, runs the full server battery. A
// reply that is not a readable DNS message is a protocol error, reported.
type udpProbe struct{}

var _ scanners.Probe = udpProbe{}

// maxUDPPorts bounds the ports dns.udp tries on one host.
const maxUDPPorts = 16

// Info declares dns.udp per host, after dns.server, so that it can skip
// the ports dns.server already judged over TCP.
func (udpProbe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeDNSUDP, Level: scanners.LevelHost, After: []string{scanners.ProbeDNSServer}}
}

// Run asks each candidate UDP port one SOA query for "." first: it costs
// one datagram, any DNS server replies to it (with the root SOA, a
// referral or a refusal), and only a port that replies gets the battery.
func (udpProbe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	if !t.Addr.IsValid() {
		return nil, nil
	}
	var out []scanners.Observation
	for _, port := range udpPorts(env, t) {
		if ctx.Err() != nil {
			break
		}
		server := netip.AddrPortFrom(t.Addr, port).String()
		ep := t.Endpoint(scanners.UDP, port)
		c := &client{env: env}
		if _, err := c.exchange(ctx, server, "udp", newQuery(".", dns.TypeSOA, false)); err != nil {
			if statusOf(err) == scanners.ProtocolError && !errors.Is(err, errNoMatch) {
				out = append(out, scanners.Observation{Probe: scanners.ProbeDNSUDP, Target: ep, At: env.Clock(),
					Status: scanners.ProtocolError, Reason: "dnsscan: udp/" + strconv.Itoa(int(port)) + " answered a DNS query with a reply that does not parse: " + err.Error()})
			}
			// Silence, or datagrams that are no answer to ours: no DNS
			// server to judge on this port.
			continue
		}
		out = append(out, runServer(ctx, env, ep, server, scanners.ProbeDNSUDP, true)...)
	}
	return out, nil
}

// udpPorts lists the UDP ports dns.udp tries on t's host: 53, then the UDP
// ports discovery saw open or open|filtered, minus those dns.server
// already judged.
func udpPorts(env *scanners.Env, t scanners.Target) []uint16 {
	ports := []uint16{53}
	if env.Prior != nil {
		for _, o := range env.Prior(scanners.ProbePortUDP, t) {
			ps, ok := o.Data.(*scanners.PortState)
			if ok && ps.Port != 0 && (ps.State == "open" || ps.State == "open|filtered") && !slices.Contains(ports, ps.Port) && len(ports) < maxUDPPorts {
				ports = append(ports, ps.Port)
			}
		}
	}
	if env.Prior == nil {
		return ports
	}
	covered := map[uint16]bool{}
	for _, o := range env.Prior(scanners.ProbeDNSServer, t) {
		covered[o.Target.Port] = true
	}
	return slices.DeleteFunc(ports, func(p uint16) bool { return covered[p] })
}

// runServer is the battery of dns.server and dns.udp on one server:
// recursion over UDP and TCP (with the known-name proof when the probe
// name did not resolve), identity queries, AXFR and IXFR of the zones it
// serves, and amplification. A server that answered nothing at all is a
// failed observation, so every DNS check reports error for it, not pass.
func runServer(ctx context.Context, env *scanners.Env, t scanners.Target, server, probeID string, udpOnly bool) []scanners.Observation {
	c := &client{env: env}
	probeName := dns.Fqdn(strings.TrimSpace(env.Settings.DNS.ProbeName))
	if probeName == "." {
		probeName = DefaultProbeName
	}
	expect := env.Settings.DNS.ProbeExpect
	at := env.Clock()
	p := &scanners.DNSServer{Server: server, UDPOnly: udpOnly, ProbeName: probeName}
	var ev []scanners.Evidence
	answered := false
	var firstErr error
	for _, tr := range []string{"udp", "tcp"} {
		r, err := c.recursion(ctx, server, tr, probeName, expect)
		if r.Class != scanners.ResolverNoAnswer {
			answered = true
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		p.Recursion = append(p.Recursion, r)
		ev = append(ev, scanners.Evidence{Kind: "dns", Summary: "recursion " + tr + " " + probeName + ": " + r.Class, Data: r.Text})
	}
	if known := knownNamesFrom(env.Settings.DNS.KnownNames); len(known) > 0 {
		for _, r := range p.Recursion {
			if !needsProof(r) {
				continue
			}
			proof := c.proveRecursion(ctx, server, r.Transport, known, probeName)
			p.Proof = append(p.Proof, proof...)
			for _, x := range proof {
				ev = append(ev, scanners.Evidence{Kind: "dns", Summary: "recursion " + x.Transport + " " + x.QName + " (known name): " + x.Class, Data: x.Text})
			}
		}
	}
	if ctx.Err() != nil {
		return []scanners.Observation{scanners.Failed(probeID, t, at, ctx.Err())}
	}
	p.Identity = c.identity(ctx, server)
	if !answered && !anyIdentity(p.Identity) {
		reason := "no usable dns reply over udp or tcp"
		if e := p.Recursion[0].Error; e != "" {
			reason += ": " + e
		}
		// The status is what the first failure was: a reply we could not
		// parse is a protocol error, not a timeout.
		st := scanners.Timeout
		if firstErr != nil {
			st = statusOf(firstErr)
		}
		o := scanners.Observation{Probe: probeID, Target: t, At: at, Status: st, Reason: "dnsscan: " + reason, Evidence: ev}
		return []scanners.Observation{o}
	}
	zones := c.servedZones(ctx, server, t.Name, env.Settings.DNS.Zones)
	for _, z := range zones {
		p.Transfers = append(p.Transfers, c.transfer(ctx, server, z, dns.TypeAXFR), c.transfer(ctx, server, z, dns.TypeIXFR))
	}
	c.amplification(ctx, server, zones, p)
	if ctx.Err() != nil {
		return []scanners.Observation{scanners.Failed(probeID, t, at, ctx.Err())}
	}
	return []scanners.Observation{{Probe: probeID, Target: t, At: at, Status: scanners.OK, Data: p, Evidence: ev}}
}

// anyIdentity reports whether any identity query got a reply: a server
// that refuses recursion silently may still answer CH TXT, and then it is
// a DNS server to judge.
func anyIdentity(ids []scanners.DNSIdentity) bool {
	for _, i := range ids {
		if i.Rcode != "" {
			return true
		}
	}
	return false
}

// recursion runs the RD=1 test over one transport; a reply that looks open
// is confirmed with a fresh random name under the probe name's parent, so a
// cache-only server is not called open. A truncated UDP reply is followed
// to TCP and the class comes from the TCP reply (Truncated says so): TC=1
// with RA=0 and no answer is "ask me over TCP", not "no recursion". When
// no complete reply comes the class is no-answer with the reason.
func (c *client) recursion(ctx context.Context, server, network, qname string, expect []netip.Addr) (scanners.DNSRecursion, error) {
	res := scanners.DNSRecursion{Transport: network, QName: qname}
	r, err := c.ask(ctx, server, network, newQuery(qname, dns.TypeA, true))
	if err != nil && network == "tcp" && ctx.Err() == nil && statusOf(err) == scanners.Timeout {
		// UDP gets its tries from the client; TCP gets one more here: a
		// resolver still recursing for a cold name stays silent past the
		// deadline, and has the answer cached by the second ask.
		r, err = c.ask(ctx, server, network, newQuery(qname, dns.TypeA, true))
	}
	if err != nil {
		res.Class, res.Error = scanners.ResolverNoAnswer, err.Error()
		return res, err
	}
	res.Truncated = r.ViaTCP || r.TCPErr != nil
	if err := r.Whole(); err != nil {
		res.Class, res.Error, res.Text = scanners.ResolverNoAnswer, err.Error(), msgText(r.Msg)
		return res, err
	}
	m := r.Msg
	res.Rcode, res.RA, res.AA, res.AD = rcode(m), m.RecursionAvailable, m.Authoritative, m.AuthenticatedData
	res.Answer = rrLines(m.Answer, maxAnswerRRs)
	res.Text = msgText(m)
	res.Class = classifyRecursion(m, qname, expect)
	if res.Class == scanners.ResolverNoAnswer {
		res.Error = "the server did not take the query: this rcode says nothing about recursion"
	}
	if res.Class != scanners.ResolverOpen {
		return res, nil
	}
	fresh := randomLabel() + "." + parentName(qname)
	fr, err := whole(c.ask(ctx, server, network, newQuery(fresh, dns.TypeA, true)))
	if err != nil {
		res.Fresh = "no reply: " + err.Error()
		return res, nil
	}
	res.Fresh = rcode(fr.Msg)
	res.Text += "\n\n" + msgText(fr.Msg)
	if fr.Msg.Rcode == dns.RcodeRefused {
		res.Class = scanners.ResolverCacheOnly
	}
	return res, nil
}

// identity asks the CHAOS TXT names and NSID.
func (c *client) identity(ctx context.Context, server string) []scanners.DNSIdentity {
	var out []scanners.DNSIdentity
	for _, name := range []string{"version.bind.", "hostname.bind.", "id.server."} {
		m := newQuery(name, dns.TypeTXT, false)
		m.Question[0].Qclass = dns.ClassCHAOS
		id := scanners.DNSIdentity{Query: strings.TrimSuffix(name, ".")}
		r, err := c.query(ctx, server, "udp", m)
		if err != nil {
			id.Error = err.Error()
		} else {
			id.Rcode = rcode(r.Msg)
			if r.Msg.Rcode == dns.RcodeSuccess {
				id.Value = chaosText(r.Msg)
			}
		}
		out = append(out, id)
	}
	m := newQuery(".", dns.TypeSOA, false)
	m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_NSID{Code: dns.EDNS0NSID})
	id := scanners.DNSIdentity{Query: "nsid"}
	if r, err := c.query(ctx, server, "udp", m); err != nil {
		id.Error = err.Error()
	} else {
		id.Rcode, id.Value = rcode(r.Msg), nsidText(r.Msg)
	}
	return append(out, id)
}

// servedZones returns the zones among the candidates for which server
// answers SOA authoritatively: the target's name and its parents, and the
// configured dns_zones.
func (c *client) servedZones(ctx context.Context, server, name string, extra []string) []string {
	var cands []string
	add := func(z string) {
		z = strings.ToLower(dns.Fqdn(strings.TrimSpace(z)))
		if z == "." {
			return
		}
		for _, x := range cands {
			if x == z {
				return
			}
		}
		cands = append(cands, z)
	}
	for _, z := range extra {
		add(z)
	}
	if name != "" {
		for z := dns.Fqdn(name); z != "."; z = parentName(z) {
			add(z)
		}
	}
	var out []string
	for _, z := range cands {
		r, err := c.query(ctx, server, "udp", newQuery(z, dns.TypeSOA, false))
		if err == nil && r.Msg.Authoritative && soaOf(r.Msg, z) != nil {
			out = append(out, z)
		}
	}
	return out
}

// amplification measures response/request size over UDP for ANY and DNSKEY
// of the served zones (or "." when it serves none), tests DNS cookies, and
// sends a short burst to see response rate limiting.
func (c *client) amplification(ctx context.Context, server string, zones []string, p *scanners.DNSServer) {
	type q struct {
		name  string
		qtype uint16
		rd    bool
	}
	var qs []q
	for _, z := range zones {
		qs = append(qs, q{z, dns.TypeANY, false}, q{z, dns.TypeDNSKEY, false})
	}
	qs = append(qs, q{".", dns.TypeANY, true}, q{".", dns.TypeDNSKEY, true})
	best := -1
	for _, x := range qs {
		m := newQuery(x.name, x.qtype, x.rd)
		a := scanners.DNSAmplify{Query: x.name + " " + dns.TypeToString[x.qtype]}
		r, err := c.exchange(ctx, server, "udp", m)
		if err != nil {
			a.Error = err.Error()
		} else {
			a.ReqSize, a.RespSize, a.TC, a.Rcode = r.Req, r.Size, r.Msg.Truncated, rcode(r.Msg)
			a.Factor = float64(r.Size) / float64(r.Req)
			if best < 0 || a.Factor > p.Amplify[best].Factor {
				best = len(p.Amplify)
			}
		}
		p.Amplify = append(p.Amplify, a)
	}
	// Cookies.
	m := newQuery(".", dns.TypeNS, false)
	m.IsEdns0().Option = append(m.IsEdns0().Option, &dns.EDNS0_COOKIE{Code: dns.EDNS0COOKIE, Cookie: strings.Repeat("5a", 8)})
	if r, err := c.exchange(ctx, server, "udp", m); err == nil {
		p.Cookies = scanners.DNSCookieResult{Tested: true, Server: hasServerCookie(r.Msg)}
	}
	if best < 0 || p.Amplify[best].Factor <= 1 {
		return
	}
	x := qs[best]
	p.RRL = c.burst(ctx, server, newQuery(x.name, x.qtype, x.rd), p.Amplify[best].TC)
}
