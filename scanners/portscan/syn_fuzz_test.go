package portscan

import (
	"net/netip"
	"testing"
)

// FuzzSYNReply feeds arbitrary bytes to every decoder on the SYN receive
// path: none may panic, and a decoded reply must name a verdict.
func FuzzSYNReply(f *testing.F) {
	d := newSynDecoder()
	f.Add(synAckBytes(80, 40000, 1234))
	f.Add([]byte{3, 3, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 203, 0, 113, 130, 198, 51, 100, 1, 0x9c, 0x40, 0, 80, 0, 0, 4, 210})
	f.Add(make([]byte, 100))
	f.Fuzz(func(t *testing.T, b []byte) {
		src := netip.MustParseAddr("198.51.100.1")
		for _, r := range []func() (synReply, bool){
			func() (synReply, bool) { return d.tcpReply(b, src) },
			func() (synReply, bool) { return d.icmp4Reply(b) },
			func() (synReply, bool) { return d.icmp6Reply(b) },
		} {
			if rep, ok := r(); ok && rep.state == "" {
				t.Fatalf("decoded reply without a state: %+v", rep)
			}
		}
	})
}
