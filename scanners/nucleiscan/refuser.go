package nucleiscan

import (
	"net"

	"shindan/scanners/nucleiscan/dnsrefuse"
)

// dnsRefuser is the only resolver nuclei is given: a loopback UDP socket
// that answers every query REFUSED at once. Without it nuclei asks public
// resolvers (1.1.1.1, 8.8.8.8, pitfalls §2.2) for names it derives from
// targets; with an IPv6 literal it even asks for the mangled "[2001:db8:..."
// (seen in the lab capture). Targets are addresses, so nothing needs DNS.
type dnsRefuser struct{ pc net.PacketConn }

// newDNSRefuser listens on a loopback UDP port and serves until Close.
func newDNSRefuser() (*dnsRefuser, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &dnsRefuser{pc: pc}
	go r.serve()
	return r, nil
}

// Addr is the "ip:port" nuclei is given as its only resolver.
func (r *dnsRefuser) Addr() string { return r.pc.LocalAddr().String() }

// serve answers each datagram that is a query with REFUSED (responses
// and runts are ignored). nuclei's queries are far below the 1500-byte
// buffer; one cut short still gets a header-only REFUSED.
func (r *dnsRefuser) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := r.pc.ReadFrom(buf)
		if err != nil {
			return // closed
		}
		if resp := dnsrefuse.Answer(buf[:n]); resp != nil {
			r.pc.WriteTo(resp, from) //nolint:errcheck // best effort
		}
	}
}

// Close closes the socket, which ends serve.
func (r *dnsRefuser) Close() { r.pc.Close() } //nolint:errcheck
