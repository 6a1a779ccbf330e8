package portscan

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// synReply is what a received packet says about one probe: which target
// port it answers (from the scanner's source port sport), the
// acknowledgement or echoed sequence number that carries the cookie, and
// the verdict it implies.
type synReply struct {
	peer  netip.Addr // the probed address (for ICMP: the inner destination)
	sport uint16     // our source port
	dport uint16     // the probed port
	seq   uint32     // SYN-ACK/RST: ack-1; ICMP: the quoted sequence number
	state string     // open, closed, filtered
	why   string     // syn-ack, rst, icmp-unreach
}

// synDecoder decodes replies without allocating (gopacket's
// DecodingLayerParser); one per receive goroutine.
type synDecoder struct {
	icmp4   layers.ICMPv4
	icmp6   layers.ICMPv6
	ip4     layers.IPv4
	ip6     layers.IPv6
	pic4    *gopacket.DecodingLayerParser
	pic6    *gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newSynDecoder() *synDecoder {
	d := &synDecoder{decoded: make([]gopacket.LayerType, 0, 4)}
	d.pic4 = gopacket.NewDecodingLayerParser(layers.LayerTypeICMPv4, &d.icmp4)
	d.pic4.IgnoreUnsupported = true
	d.pic6 = gopacket.NewDecodingLayerParser(layers.LayerTypeICMPv6, &d.icmp6)
	d.pic6.IgnoreUnsupported = true
	return d
}

// tcpReply decodes a TCP segment (no IP header) received from src. It
// reads the fixed header by hand: it runs for every reply of a sweep.
func (d *synDecoder) tcpReply(b []byte, src netip.Addr) (synReply, bool) {
	if len(b) < 20 {
		return synReply{}, false
	}
	if off := int(b[12]>>4) * 4; off < 20 || off > len(b) {
		return synReply{}, false
	}
	r := synReply{peer: src, sport: binary.BigEndian.Uint16(b[2:4]), dport: binary.BigEndian.Uint16(b[0:2]),
		seq: binary.BigEndian.Uint32(b[8:12]) - 1}
	const syn, rst, ack = 0x02, 0x04, 0x10
	switch f := b[13]; {
	case f&(syn|ack) == syn|ack:
		r.state, r.why = "open", "syn-ack"
	case f&rst != 0:
		r.state, r.why = "closed", "rst"
	default:
		return synReply{}, false
	}
	return r, true
}

// icmp4Reply decodes an ICMPv4 destination-unreachable message quoting one
// of our SYNs.
func (d *synDecoder) icmp4Reply(b []byte) (synReply, bool) {
	if err := d.pic4.DecodeLayers(b, &d.decoded); err != nil || len(d.decoded) == 0 {
		return synReply{}, false
	}
	if d.icmp4.TypeCode.Type() != layers.ICMPv4TypeDestinationUnreachable {
		return synReply{}, false
	}
	in := d.icmp4.Payload
	if err := d.ip4.DecodeFromBytes(in, gopacket.NilDecodeFeedback); err != nil || d.ip4.Protocol != layers.IPProtocolTCP {
		return synReply{}, false
	}
	hl := int(d.ip4.IHL) * 4
	if hl < 20 || len(in) < hl+8 {
		return synReply{}, false
	}
	dst, _ := netip.AddrFromSlice(d.ip4.DstIP.To4())
	return quoted(in[hl:], dst)
}

// icmp6Reply decodes an ICMPv6 destination-unreachable message quoting one
// of our SYNs.
func (d *synDecoder) icmp6Reply(b []byte) (synReply, bool) {
	if err := d.pic6.DecodeLayers(b, &d.decoded); err != nil || len(d.decoded) == 0 {
		return synReply{}, false
	}
	if d.icmp6.TypeCode.Type() != layers.ICMPv6TypeDestinationUnreachable || len(d.icmp6.Payload) < 4+40+8 {
		return synReply{}, false
	}
	in := d.icmp6.Payload[4:] // 4 unused bytes, then the offending packet
	if in[0]>>4 != 6 || layers.IPProtocol(in[6]) != layers.IPProtocolTCP {
		return synReply{}, false // extension headers: not one of our SYNs
	}
	dst := netip.AddrFrom16([16]byte(in[24:40]))
	return quoted(in[40:], dst)
}

// quoted reads the first 8 bytes of the TCP header an ICMP error quotes.
func quoted(h []byte, dst netip.Addr) (synReply, bool) {
	return synReply{
		peer: dst, sport: binary.BigEndian.Uint16(h[0:2]), dport: binary.BigEndian.Uint16(h[2:4]),
		seq: binary.BigEndian.Uint32(h[4:8]), state: "filtered", why: "icmp-unreach",
	}, true
}
