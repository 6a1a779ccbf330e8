package portscan

import (
	"encoding/binary"
	"net/netip"
)

// synLen is the SYN segment: a 20-byte TCP header and one MSS option.
const synLen = 24

// synTemplate builds SYN segments without a packet library: every probe
// of a sweep differs only in destination port, sequence number (the
// cookie) and checksum, and at a hundred thousand packets a second a
// generic serializer per packet was a visible share of the CPU.
type synTemplate struct {
	hdr [synLen]byte
	sum uint32 // one's-complement sum of the constant header words
}

func newSynTemplate(sport uint16) *synTemplate {
	t := &synTemplate{}
	h := t.hdr[:]
	binary.BigEndian.PutUint16(h[0:2], sport)
	h[12] = synLen / 4 << 4 // data offset
	h[13] = 0x02            // SYN
	binary.BigEndian.PutUint16(h[14:16], 1024)
	copy(h[20:24], []byte{2, 4, 0x05, 0xb4}) // MSS 1460
	t.sum = sum16(h)
	return t
}

// pseudoSum is the checksum contribution of the IPv4 or IPv6 pseudo-header
// for a synLen-byte TCP segment from src to dst.
func pseudoSum(src, dst netip.Addr) uint32 {
	var s uint32
	if src.Is4() {
		a, b := src.As4(), dst.As4()
		s = sum16(a[:]) + sum16(b[:])
	} else {
		a, b := src.As16(), dst.As16()
		s = sum16(a[:]) + sum16(b[:])
	}
	return s + 6 + synLen // protocol TCP, segment length
}

// build writes the SYN to dport with sequence number seq into b (synLen
// bytes); pseudo is pseudoSum of the packet's addresses.
func (t *synTemplate) build(b []byte, pseudo uint32, dport uint16, seq uint32) {
	copy(b, t.hdr[:])
	binary.BigEndian.PutUint16(b[2:4], dport)
	binary.BigEndian.PutUint32(b[4:8], seq)
	s := t.sum + pseudo + uint32(dport) + seq>>16 + seq&0xffff
	binary.BigEndian.PutUint16(b[16:18], ^fold(s))
}

func sum16(b []byte) uint32 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	return s
}

func fold(s uint32) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}
