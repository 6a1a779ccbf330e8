package ndpscan

import (
	"encoding/binary"
	"net"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// sighting is what one captured frame says about the segment.
type sighting struct {
	mac   string     // frame source MAC
	v6src netip.Addr // IPv6 source (valid when the frame spoke IPv6)
	v4src netip.Addr // IPv4 source or ARP sender (MAC → IPv4 map)
	via   string     // echo-reply, echo-request, mld-report, ns, na, rs, ra, dhcpv6, ipv6
	ra    *raInfo
	trans *transInfo
}

// raInfo is what an RA says (RFC 4861 §4.2): the on-link prefixes, the
// M (managed: addresses from DHCPv6) and O (other configuration) flags
// and the router lifetime, 0 meaning "not a default router".
type raInfo struct {
	prefixes       []string
	managed, other bool
	lifetime       uint16
}

// transInfo is one sighting of an IPv6 transition mechanism: tunnel
// endpoints as IPv4 addresses (proto 41, Teredo UDP) or the IPv6 source.
type transInfo struct {
	mech     string // teredo, 6to4, isatap, 6in4
	src, dst string
	detail   string
}

// decoder decodes captured frames without allocating per frame for the
// common layers (gopacket DecodingLayerParser); one per capture loop.
type decoder struct {
	eth     layers.Ethernet
	ip4     layers.IPv4
	ip6     layers.IPv6
	arp     layers.ARP
	icmp6   layers.ICMPv6
	ra      layers.ICMPv6RouterAdvertisement
	udp     layers.UDP
	parser  *gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

// newDecoder registers only Ethernet, IPv4, IPv6 and ARP with the layer
// parser; ICMPv6 and UDP are decoded on demand (DecodeFromBytes on the IP
// payload), only for the frames that need them.
// IgnoreUnsupported keeps the layers decoded so far when a frame goes on
// to a layer the parser does not know, which is most frames.
func newDecoder() *decoder {
	d := &decoder{decoded: make([]gopacket.LayerType, 0, 4)}
	d.parser = gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &d.eth, &d.ip4, &d.ip6, &d.arp)
	d.parser.IgnoreUnsupported = true
	return d
}

// decode reads one Ethernet frame; ok is false for frames that say nothing
// about IPv6 or the MAC/IPv4 map.
func (d *decoder) decode(frame []byte) (s sighting, ok bool) {
	if err := d.parser.DecodeLayers(frame, &d.decoded); err != nil && len(d.decoded) < 2 {
		return s, false
	}
	if len(d.decoded) < 2 {
		return s, false
	}
	s.mac = d.eth.SrcMAC.String()
	switch d.decoded[1] {
	case layers.LayerTypeARP:
		if d.arp.AddrType == layers.LinkTypeEthernet && d.arp.Protocol == layers.EthernetTypeIPv4 && len(d.arp.SourceProtAddress) == 4 {
			s.v4src = netip.AddrFrom4([4]byte(d.arp.SourceProtAddress))
			return s, s.v4src.IsValid() && !s.v4src.IsUnspecified()
		}
		return s, false
	case layers.LayerTypeIPv4:
		s.v4src, _ = netip.AddrFromSlice(d.ip4.SrcIP.To4())
		switch d.ip4.Protocol {
		case layers.IPProtocolIPv6: // protocol 41: 6in4, 6to4 or ISATAP
			s.trans = d.proto41(d.ip4.Payload)
		case layers.IPProtocolUDP:
			if d.udp.DecodeFromBytes(d.ip4.Payload, gopacket.NilDecodeFeedback) != nil {
				break
			}
			dst, _ := netip.AddrFromSlice(d.ip4.DstIP.To4())
			switch {
			case d.udp.SrcPort == 3544 || d.udp.DstPort == 3544:
				s.trans = &transInfo{mech: "teredo", src: s.v4src.String(), dst: dst.String(),
					detail: "UDP " + d.udp.SrcPort.String() + " → " + d.udp.DstPort.String()}
			case (d.udp.DstPort == 5355 || d.udp.DstPort == 5353) && isatapQuery(d.udp.Payload, false),
				d.udp.DstPort == 137 && isatapQuery(d.udp.Payload, true):
				// The ISATAP client looks for its router by name; on a
				// switched segment this multicast/broadcast query is the
				// sign every port sees (tunnelled packets are unicast).
				s.trans = &transInfo{mech: "isatap", src: s.v4src.String(), dst: dst.String(),
					detail: "name query for \"isatap\" (UDP " + d.udp.DstPort.String() + ")"}
			}
		}
		return s, s.v4src.IsValid()
	case layers.LayerTypeIPv6:
	default:
		return s, false
	}
	s.v6src, _ = netip.AddrFromSlice(d.ip6.SrcIP)
	s.via = "ipv6"
	next, body := d.ip6.NextHeader, d.ip6.Payload
	if d.ip6.HopByHop != nil {
		// gopacket strips the hop-by-hop header (MLD reports carry a
		// router alert) from Payload but leaves NextHeader at 0.
		next = d.ip6.HopByHop.NextHeader
	}
	// Walk destination options.
	for range 4 {
		if next != layers.IPProtocolIPv6Destination {
			break
		}
		if len(body) < 8 {
			return s, true
		}
		l := (int(body[1]) + 1) * 8
		if len(body) < l {
			return s, true
		}
		next, body = layers.IPProtocol(body[0]), body[l:]
	}
	if t := transitionAddr(s.v6src); t != "" {
		s.trans = &transInfo{mech: t, src: s.v6src.String(), dst: net.IP(d.ip6.DstIP).String(), detail: "IPv6 source address on the segment"}
	}
	switch next {
	case layers.IPProtocolICMPv6:
		if d.icmp6.DecodeFromBytes(body, gopacket.NilDecodeFeedback) != nil {
			return s, true
		}
		switch d.icmp6.TypeCode.Type() {
		case layers.ICMPv6TypeEchoReply:
			s.via = "echo-reply"
		case layers.ICMPv6TypeEchoRequest:
			s.via = "echo-request"
		case layers.ICMPv6TypeMLDv1MulticastListenerReportMessage, layers.ICMPv6TypeMLDv2MulticastListenerReportMessageV2:
			s.via = "mld-report"
		case layers.ICMPv6TypeNeighborSolicitation:
			s.via = "ns"
		case layers.ICMPv6TypeNeighborAdvertisement:
			s.via = "na"
		case layers.ICMPv6TypeRouterSolicitation:
			s.via = "rs"
		case layers.ICMPv6TypeRouterAdvertisement:
			s.via = "ra"
			if d.ra.DecodeFromBytes(d.icmp6.Payload, gopacket.NilDecodeFeedback) == nil {
				s.ra = raFrom(&d.ra)
			}
		}
	case layers.IPProtocolUDP:
		if d.udp.DecodeFromBytes(body, gopacket.NilDecodeFeedback) == nil {
			switch {
			case d.udp.SrcPort == 546 || d.udp.SrcPort == 547 || d.udp.DstPort == 547:
				s.via = "dhcpv6"
			case d.udp.SrcPort == 5353 || d.udp.DstPort == 5353:
				s.via = "mdns"
			case d.udp.SrcPort == 3544 || d.udp.DstPort == 3544:
				s.trans = &transInfo{mech: "teredo", src: s.v6src.String(), dst: net.IP(d.ip6.DstIP).String(), detail: "UDP port 3544 over IPv6"}
			}
		}
	}
	return s, true
}

// raFrom reads the RA header flags (M 0x80, O 0x40) and its Prefix
// Information options (RFC 4861 §4.6.2); a truncated option is skipped,
// and a prefix length above 128 is clamped rather than trusted.
func raFrom(ra *layers.ICMPv6RouterAdvertisement) *raInfo {
	r := &raInfo{managed: ra.Flags&0x80 != 0, other: ra.Flags&0x40 != 0, lifetime: ra.RouterLifetime}
	for _, o := range ra.Options {
		// Prefix information: length 6..., prefix length at 0, prefix at 14..30.
		if o.Type == layers.ICMPv6OptPrefixInfo && len(o.Data) >= 30 {
			a := netip.AddrFrom16([16]byte(o.Data[14:30]))
			if p, err := a.Prefix(int(min(o.Data[0], 128))); err == nil {
				r.prefixes = append(r.prefixes, p.String())
			}
		}
	}
	return r
}

// proto41 classifies an IPv6-in-IPv4 packet by its inner source address.
func (d *decoder) proto41(inner []byte) *transInfo {
	src4, _ := netip.AddrFromSlice(d.ip4.SrcIP.To4())
	dst4, _ := netip.AddrFromSlice(d.ip4.DstIP.To4())
	t := &transInfo{mech: "6in4", src: src4.String(), dst: dst4.String(), detail: "IP protocol 41"}
	if len(inner) >= 40 && inner[0]>>4 == 6 {
		a := netip.AddrFrom16([16]byte(inner[8:24]))
		if m := transitionAddr(a); m != "" {
			t.mech = m
		}
		t.detail = "IP protocol 41, inner source " + a.String()
	}
	return t
}

// The transition prefixes: 6to4 (RFC 3056) and Teredo (RFC 4380).
var (
	pfx6to4   = netip.MustParsePrefix("2002::/16")
	pfxTeredo = netip.MustParsePrefix("2001::/32")
)

// transitionAddr names the mechanism an IPv6 address belongs to, or "".
func transitionAddr(a netip.Addr) string {
	switch {
	case pfx6to4.Contains(a):
		return "6to4"
	case pfxTeredo.Contains(a):
		return "teredo"
	}
	b := a.As16()
	// ISATAP interface identifier: [02|00]00:5efe:a.b.c.d (RFC 5214).
	if a.Is6() && (b[8]|0x02) == 0x02 && b[9] == 0 && binary.BigEndian.Uint16(b[10:12]) == 0x5efe {
		return "isatap"
	}
	return ""
}

// isatapQuery reports whether a DNS-format (LLMNR, mDNS) or NetBIOS name
// service query asks for the name "isatap".
func isatapQuery(b []byte, netbios bool) bool {
	if len(b) < 13 || b[2]&0x80 != 0 { // a response, not a query
		return false
	}
	name := b[12:]
	if netbios {
		// First-level encoding: 32 letters, two per byte of the 16-byte name.
		if len(name) < 33 || name[0] != 32 {
			return false
		}
		var dec [16]byte
		for i := range dec {
			hi, lo := name[1+2*i]-'A', name[2+2*i]-'A'
			if hi > 15 || lo > 15 {
				return false
			}
			dec[i] = hi<<4 | lo
		}
		return strings.EqualFold(strings.TrimRight(string(dec[:15]), " "), "isatap")
	}
	l := int(name[0])
	return l == 6 && len(name) > 7 && strings.EqualFold(string(name[1:7]), "isatap")
}
