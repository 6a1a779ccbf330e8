package portscan

import (
	"bufio"
	"bytes"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// writeOnly is the proxy side of the SOCKS5 exchange: writes vanish.
type writeOnly struct{ net.Conn }

func (writeOnly) Write(b []byte) (int, error) { return len(b), nil }

// FuzzProxyReply feeds a hostile proxy's bytes to the HTTP and SOCKS5
// reply readers: bounded, no panic, and the canary is only "fetched" when
// its token is really in the body.
func FuzzProxyReply(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"))
	f.Add([]byte("HTTP/1.0 403 Filtered\r\n\r\n"))
	f.Add([]byte{5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0, 80, 'H', 'T', 'T', 'P', '/', '1', '.', '0', ' ', '2', '0', '0', '\r', '\n', '\r', '\n'})
	f.Add([]byte{5, 0, 5, 0, 0, 3, 255})
	ca := netip.MustParseAddrPort("127.0.0.1:8000")
	f.Fuzz(func(t *testing.T, b []byte) {
		st, body, _ := readHTTP(bufio.NewReader(bytes.NewReader(b)))
		if len(body) > 8<<10 || len(st) > len(b) {
			t.Fatalf("unbounded: status %d body %d", len(st), len(body))
		}
		var tr strings.Builder
		_, body, _ = socks5(writeOnly{}, bufio.NewReader(bytes.NewReader(b)), ca, "GET / HTTP/1.0\r\n\r\n", &tr)
		if len(body) > 8<<10 {
			t.Fatalf("unbounded SOCKS body %d", len(body))
		}
	})
}
