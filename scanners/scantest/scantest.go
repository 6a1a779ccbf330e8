// Package scantest holds helpers that probe tests share: local servers on
// loopback, so probe tests never need the network.
package scantest

import (
	"net"
	"net/netip"
	"testing"
)

// Serve runs handler for every connection on a 127.0.0.1 listener until the
// test ends, closing each connection after its handler returns.
func Serve(t testing.TB, handler func(net.Conn)) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); handler(c) }()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}
