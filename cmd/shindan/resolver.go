package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
)

// newResolver returns "ip:port" and a resolver that sends every lookup to
// that server (pre-launch zones not yet delegated, split-horizon DNS).
func newResolver(s string) (string, *net.Resolver, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		a, err2 := netip.ParseAddr(s)
		if err2 != nil {
			return "", nil, fmt.Errorf("%q is not an address or address:port", s)
		}
		ap = netip.AddrPortFrom(a, 53)
	}
	addr := ap.String()
	// PreferGo: only the Go resolver calls Dial; the cgo one would ask
	// the system's servers. Dial keeps the network (udp, then tcp for a
	// truncated answer) and replaces the server.
	return addr, &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}, nil
}
