package ndpscan

import (
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	macA = net.HardwareAddr{0x02, 0, 0x5e, 0, 0, 0x0a}
	macB = net.HardwareAddr{0x02, 0, 0x5e, 0, 0, 0x0b}
)

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func raFrame(t testing.TB) []byte {
	src := net.ParseIP("fe80::1")
	ip := &layers.IPv6{Version: 6, HopLimit: 255, NextHeader: layers.IPProtocolICMPv6, SrcIP: src, DstIP: net.ParseIP("ff02::1")}
	icmp := &layers.ICMPv6{TypeCode: layers.CreateICMPv6TypeCode(layers.ICMPv6TypeRouterAdvertisement, 0)}
	_ = icmp.SetNetworkLayerForChecksum(ip)
	pi := make([]byte, 30)
	pi[0], pi[1] = 64, 0xc0
	copy(pi[14:], net.ParseIP("2001:db8:bad::"))
	ra := &layers.ICMPv6RouterAdvertisement{HopLimit: 64, Flags: 0x40, RouterLifetime: 1800,
		Options: layers.ICMPv6Options{{Type: layers.ICMPv6OptSourceAddress, Data: macA}, {Type: layers.ICMPv6OptPrefixInfo, Data: pi}}}
	return serialize(t, &layers.Ethernet{SrcMAC: macA, DstMAC: multicastMAC(allNodes), EthernetType: layers.EthernetTypeIPv6}, ip, icmp, ra)
}

func proto41Frame(t testing.TB) []byte {
	inner := serialize(t, &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolNoNextHeader,
		SrcIP: net.ParseIP("2002:cb00:710b::1"), DstIP: net.ParseIP("2001:db8:100::1")})
	return serialize(t, &layers.Ethernet{SrcMAC: macB, DstMAC: macA, EthernetType: layers.EthernetTypeIPv4},
		&layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolIPv6, SrcIP: net.IP{203, 0, 113, 11}, DstIP: net.IP{192, 88, 99, 1}},
		gopacket.Payload(inner))
}

func teredoFrame(t testing.TB) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{203, 0, 113, 11}, DstIP: net.IP{203, 0, 113, 1}}
	udp := &layers.UDP{SrcPort: 50000, DstPort: 3544}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return serialize(t, &layers.Ethernet{SrcMAC: macB, DstMAC: macA, EthernetType: layers.EthernetTypeIPv4}, ip, udp, gopacket.Payload("x"))
}

func nameQueryFrame(t testing.TB, port layers.UDPPort, q []byte) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 1, Protocol: layers.IPProtocolUDP, SrcIP: net.IP{203, 0, 113, 11}, DstIP: net.IP{224, 0, 0, 252}}
	udp := &layers.UDP{SrcPort: 50001, DstPort: port}
	_ = udp.SetNetworkLayerForChecksum(ip)
	return serialize(t, &layers.Ethernet{SrcMAC: macB, DstMAC: net.HardwareAddr{1, 0, 0x5e, 0, 0, 0xfc}, EthernetType: layers.EthernetTypeIPv4}, ip, udp, gopacket.Payload(q))
}

func llmnrIsatap() []byte {
	return append([]byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 6, 'I', 'S', 'A', 'T', 'A', 'P', 0}, 0, 1, 0, 1)
}

func nbnsIsatap() []byte {
	q := []byte{0, 2, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 32}
	name := []byte("ISATAP          ")
	name[15] = 0
	for _, c := range name {
		q = append(q, 'A'+c>>4, 'A'+c&15)
	}
	return append(q, 0, 0, 0x20, 0, 1)
}

func TestDecodeFrames(t *testing.T) {
	d := newDecoder()
	ll := linkLocal(macA)
	if ll.String() != "fe80::5eff:fe00:a" { // 02:00:5e… flips to 00:00:5e…
		t.Fatalf("EUI-64 link-local %s", ll)
	}
	cases := []struct {
		name  string
		frame []byte
		via   string
		mech  string
	}{
		{"echo", echoRequest(macA, ll, 7), "echo-request", ""},
		{"mld query+hbh", mldQuery(macA, ll), "ipv6", ""},
		{"rs", routerSolicit(macA, ll), "rs", ""},
		{"dhcpv6", dhcpSolicit(macA, ll, 0x123456), "dhcpv6", ""},
		{"ra", raFrame(t), "ra", ""},
		{"proto41 6to4", proto41Frame(t), "", "6to4"},
		{"teredo", teredoFrame(t), "", "teredo"},
		{"llmnr isatap", nameQueryFrame(t, 5355, llmnrIsatap()), "", "isatap"},
		{"nbns isatap", nameQueryFrame(t, 137, nbnsIsatap()), "", "isatap"},
		{"llmnr other", nameQueryFrame(t, 5355, append([]byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, 'w', 'p', 'a', 'd', 0}, 0, 1, 0, 1)), "", ""},
		{"arp", arpRequest(macB, netip.MustParseAddr("203.0.113.11"), netip.MustParseAddr("203.0.113.12")), "", ""},
	}
	for _, c := range cases {
		s, ok := d.decode(c.frame)
		if !ok {
			t.Errorf("%s: not decoded", c.name)
			continue
		}
		if s.via != c.via {
			t.Errorf("%s: via %q, want %q", c.name, s.via, c.via)
		}
		if (s.trans == nil) != (c.mech == "") || s.trans != nil && s.trans.mech != c.mech {
			t.Errorf("%s: transition %+v, want %q", c.name, s.trans, c.mech)
		}
		if c.name == "ra" && (s.ra == nil || !slices.Equal(s.ra.prefixes, []string{"2001:db8:bad::/64"}) || !s.ra.other || s.ra.managed || s.ra.lifetime != 1800) {
			t.Errorf("ra: %+v", s.ra)
		}
		if c.name == "arp" && s.v4src != netip.MustParseAddr("203.0.113.11") {
			t.Errorf("arp sender %s", s.v4src)
		}
	}
	if _, ok := d.decode([]byte{1, 2, 3}); ok {
		t.Error("garbage decoded")
	}
	if transitionAddr(netip.MustParseAddr("fe80::200:5efe:cb00:710b")) != "isatap" {
		t.Error("ISATAP identifier not recognised")
	}
}

// FuzzDecodeFrame: the capture decoder takes any bytes from the wire.
func FuzzDecodeFrame(f *testing.F) {
	f.Add(raFrame(f))
	f.Add(proto41Frame(f))
	f.Add(teredoFrame(f))
	f.Add(mldQuery(macA, linkLocal(macA)))
	f.Add(dhcpSolicit(macA, linkLocal(macA), 1))
	f.Add(nameQueryFrame(f, 137, nbnsIsatap()))
	d := newDecoder()
	f.Fuzz(func(t *testing.T, b []byte) {
		s, ok := d.decode(b)
		if ok && s.mac == "" {
			t.Fatal("decoded frame without a source MAC")
		}
	})
}
