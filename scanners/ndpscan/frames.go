package ndpscan

import (
	"encoding/binary"
	"net"
	"net/netip"
)

// Frames are built by hand: each is a few fixed fields, and the MLD query
// needs a hop-by-hop router-alert header that is simplest written out.

// The link-scope groups solicited: all nodes (echo, MLD query), all
// routers (RS) and All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1).
var (
	allNodes   = netip.MustParseAddr("ff02::1")
	allRouters = netip.MustParseAddr("ff02::2")
	dhcpAgents = netip.MustParseAddr("ff02::1:2")
)

// multicastMAC maps an IPv6 multicast group to its Ethernet address.
func multicastMAC(g netip.Addr) net.HardwareAddr {
	b := g.As16()
	return net.HardwareAddr{0x33, 0x33, b[12], b[13], b[14], b[15]}
}

// linkLocal derives the EUI-64 link-local address of a MAC, used when the
// interface has no IPv6 address of its own (IPv6 disabled on the scanner).
func linkLocal(mac net.HardwareAddr) netip.Addr {
	var b [16]byte
	b[0], b[1] = 0xfe, 0x80
	if len(mac) == 6 {
		b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15] = mac[0]^0x02, mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]
	}
	return netip.AddrFrom16(b)
}

// checksum6 is the Internet checksum over the IPv6 pseudo-header (source,
// destination, 32-bit upper-layer length, next header; RFC 8200 §8.1) and
// the body, as ICMPv6 (RFC 4443 §2.3) and UDP over IPv6 require: a frame
// with a wrong one is dropped silently by its receivers.
func checksum6(src, dst netip.Addr, proto byte, body []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	s, d := src.As16(), dst.As16()
	add(s[:])
	add(d[:])
	var l [8]byte
	binary.BigEndian.PutUint32(l[:4], uint32(len(body)))
	l[7] = proto
	add(l[:])
	add(body)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// frame6 builds Ethernet + IPv6 (+ optional hop-by-hop router alert) + an
// upper-layer body whose checksum field sits at csumOff.
func frame6(srcMAC net.HardwareAddr, src, dst netip.Addr, hop byte, proto byte, body []byte, csumOff int, routerAlert bool) []byte {
	binary.BigEndian.PutUint16(body[csumOff:], 0)
	binary.BigEndian.PutUint16(body[csumOff:], checksum6(src, dst, proto, body))
	f := make([]byte, 0, 14+40+8+len(body))
	f = append(f, multicastMAC(dst)...)
	f = append(f, srcMAC...)
	f = append(f, 0x86, 0xdd)
	plen := len(body)
	next := proto
	if routerAlert {
		plen += 8
		next = 0
	}
	f = append(f, 0x60, 0, 0, 0)
	f = binary.BigEndian.AppendUint16(f, uint16(plen))
	f = append(f, next, hop)
	s, d := src.As16(), dst.As16()
	f = append(f, s[:]...)
	f = append(f, d[:]...)
	if routerAlert {
		f = append(f, proto, 0, 5, 2, 0, 0, 1, 0) // router alert (MLD), PadN
	}
	return append(f, body...)
}

// echoRequest is an ICMPv6 Echo Request (type 128, RFC 4443 §4.1) to
// ff02::1: IPv6 hosts on the link answer it unless a firewall drops
// echo, which finds machines that speak IPv6 without being configured to.
func echoRequest(mac net.HardwareAddr, src netip.Addr, id uint16) []byte {
	body := []byte{128, 0, 0, 0, byte(id >> 8), byte(id), 0, 1}
	body = append(body, "shindan ndp.segment"...)
	return frame6(mac, src, allNodes, 255, 58, body, 2, false)
}

// mldQuery is an MLDv1 general query (RFC 2710): every listener reports
// its groups, including the solicited-node group every IPv6 host joins.
func mldQuery(mac net.HardwareAddr, src netip.Addr) []byte {
	body := make([]byte, 24)
	body[0] = 130
	binary.BigEndian.PutUint16(body[4:], 1000) // max response delay, ms
	return frame6(mac, src, allNodes, 1, 58, body, 2, true)
}

// routerSolicit is a Router Solicitation (type 133) with our link-layer
// address option. Hop limit 255 is required: RFC 4861 §6.1.1 has routers
// drop an RS with any other, as proof it was not forwarded.
func routerSolicit(mac net.HardwareAddr, src netip.Addr) []byte {
	body := []byte{133, 0, 0, 0, 0, 0, 0, 0, 1, 1}
	body = append(body, mac...)
	return frame6(mac, src, allRouters, 255, 58, body, 2, false)
}

// dhcpSolicit is a DHCPv6 Solicit (RFC 8415) with a DUID-LL client ID and
// an empty IA_NA: servers and relays answer with Advertise.
func dhcpSolicit(mac net.HardwareAddr, src netip.Addr, xid uint32) []byte {
	msg := []byte{1, byte(xid >> 16), byte(xid >> 8), byte(xid)}
	duid := append([]byte{0, 3, 0, 1}, mac...)
	msg = binary.BigEndian.AppendUint16(msg, 1) // client identifier
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(duid)))
	msg = append(msg, duid...)
	msg = append(msg, 0, 8, 0, 2, 0, 0)                                // elapsed time 0
	msg = append(msg, 0, 3, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0) // IA_NA, IAID 1
	udp := make([]byte, 8, 8+len(msg))
	binary.BigEndian.PutUint16(udp[0:], 546)
	binary.BigEndian.PutUint16(udp[2:], 547)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(msg)))
	udp = append(udp, msg...)
	return frame6(mac, src, dhcpAgents, 1, 17, udp, 6, false)
}

// arpRequest asks who has ip (to map IPv6-speaking MACs to IPv4 hosts).
func arpRequest(mac net.HardwareAddr, src4, ip netip.Addr) []byte {
	f := make([]byte, 0, 42)
	f = append(f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	f = append(f, mac...)
	f = append(f, 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1)
	f = append(f, mac...)
	s, d := src4.As4(), ip.As4()
	f = append(f, s[:]...)
	f = append(f, 0, 0, 0, 0, 0, 0)
	return append(f, d[:]...)
}
