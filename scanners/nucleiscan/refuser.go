package nucleiscan

import (
	"net"
)

// dnsRefuser is the only resolver nuclei is given: a loopback UDP socket
// that answers every query REFUSED at once. Without it nuclei asks public
// resolvers (1.1.1.1, 8.8.8.8, pitfalls §2.2) for names it derives from
// targets; with an IPv6 literal it even asks for the mangled "[2001:db8:..."
// (seen in the lab capture). Targets are addresses, so nothing needs DNS.
type dnsRefuser struct{ pc net.PacketConn }

func newDNSRefuser() (*dnsRefuser, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &dnsRefuser{pc: pc}
	go r.serve()
	return r, nil
}

func (r *dnsRefuser) Addr() string { return r.pc.LocalAddr().String() }

func (r *dnsRefuser) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := r.pc.ReadFrom(buf)
		if err != nil {
			return // closed
		}
		if resp := refusal(buf[:n]); resp != nil {
			r.pc.WriteTo(resp, from) //nolint:errcheck // best effort
		}
	}
}

// refusal turns a DNS query into a REFUSED answer with the same ID and
// question; anything that is not a query gets nil.
func refusal(q []byte) []byte {
	if len(q) < 12 || q[2]&0x80 != 0 {
		return nil
	}
	resp := make([]byte, len(q))
	copy(resp, q)
	resp[2] = 0x80 | q[2]&0x79 // QR, keep opcode and RD
	resp[3] = 0x05             // REFUSED
	// Keep the question section only: zero answer, authority, additional.
	resp[6], resp[7], resp[8], resp[9], resp[10], resp[11] = 0, 0, 0, 0, 0, 0
	end := skipQuestion(q)
	if end < 0 {
		return resp[:12]
	}
	return resp[:end]
}

// skipQuestion returns the end offset of the first question, or -1.
func skipQuestion(q []byte) int {
	if q[4] != 0 || q[5] != 1 {
		return -1
	}
	i := 12
	for i < len(q) {
		l := int(q[i])
		if l == 0 {
			i++
			break
		}
		if l&0xC0 != 0 {
			return -1
		}
		i += 1 + l
	}
	if i+4 > len(q) {
		return -1
	}
	return i + 4
}

func (r *dnsRefuser) Close() { r.pc.Close() } //nolint:errcheck
