// Package dnsscan probes DNS servers and domains: open recursion, zone
// transfers, identity disclosure, amplification (probe dns.server and
// dns.udp), and a domain's delegation, consistency, DNSSEC and leaks (probe
// dns.domain). It is the only package besides nucleiscan that imports
// github.com/miekg/dns; checks see plain payloads only.
package dnsscan

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// Bounds against hostile servers.
const (
	maxUDPReply   = 65535 // one datagram
	maxUDPReads   = 8     // stray datagrams read before giving up on a matching ID
	maxTextBytes  = 2048  // dig-style evidence text
	maxAnswerRRs  = 20    // answer lines kept per reply
	maxRRText     = 256   // one record's presentation form
	udpBufferSize = 4096  // EDNS0 buffer we advertise
)

// client sends single queries through the scope guard.
type client struct {
	env *scanners.Env
	// lookup marks a client that asks servers outside the targets (parent
	// zones) about the target's delegation: it dials through
	// Env.LookupDialContext, port 53 only.
	viaLookup bool
}

// reply is one answered exchange.
type reply struct {
	msg  *dns.Msg
	size int // wire bytes of the reply
	req  int // wire bytes of the query
}

// errNoMatch means datagrams came back but none answered our query.
var errNoMatch = errors.New("dnsscan: no reply matching the query id")

// errMalformed marks a reply that arrived but is not a DNS reply we can
// read: a protocol error, never a timeout.
var errMalformed = errors.New("dnsscan: malformed reply")

// statusOf is scanners.StatusOf that knows errMalformed.
func statusOf(err error) scanners.Status {
	if errors.Is(err, errMalformed) {
		return scanners.ProtocolError
	}
	return scanners.StatusOf(err)
}

// exchange sends m to server ("addr:port") over "udp" or "tcp" and returns
// the reply. Every read has a deadline; a TCP reply is at most 65535 bytes
// by its length prefix. Cancelling ctx aborts the dial and the deadline.
func (c *client) exchange(ctx context.Context, server, network string, m *dns.Msg) (*reply, error) {
	m.Id = dns.Id()
	wire, err := m.Pack()
	if err != nil {
		return nil, fmt.Errorf("dnsscan: pack query: %w", err)
	}
	dial := c.env.DialContext
	if c.viaLookup {
		dial = c.env.LookupDialContext
	}
	conn, err := dial(ctx, network, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline := time.Now().Add(c.env.Timeout())
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var raw []byte
	if network == "tcp" {
		raw, err = tcpRoundTrip(conn, wire)
		if err != nil {
			return nil, ctxErr(ctx, err)
		}
		r, err := decode(raw, m.Id)
		if err != nil {
			return nil, err
		}
		return &reply{msg: r, size: len(raw), req: len(wire)}, nil
	}
	if _, err := conn.Write(wire); err != nil {
		return nil, ctxErr(ctx, err)
	}
	buf := make([]byte, maxUDPReply)
	for range maxUDPReads {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, ctxErr(ctx, err)
		}
		r, err := decode(buf[:n], m.Id)
		if errors.Is(err, errNoMatch) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &reply{msg: r, size: n, req: len(wire)}, nil
	}
	return nil, errNoMatch
}

func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// tcpRoundTrip writes one length-prefixed message and reads one back.
func tcpRoundTrip(conn net.Conn, wire []byte) ([]byte, error) {
	if err := writeTCP(conn, wire); err != nil {
		return nil, err
	}
	return readTCP(conn)
}

func writeTCP(conn net.Conn, wire []byte) error {
	b := make([]byte, 2+len(wire))
	binary.BigEndian.PutUint16(b, uint16(len(wire)))
	copy(b[2:], wire)
	_, err := conn.Write(b)
	return err
}

// readTCP reads one length-prefixed message (at most 65535 bytes by
// construction).
func readTCP(r io.Reader) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(l[:]))
	if n < 12 {
		return nil, fmt.Errorf("%w: tcp message of %d bytes is shorter than a dns header", errMalformed, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// decode parses untrusted bytes as a reply to the query with ID id.
func decode(b []byte, id uint16) (*dns.Msg, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("%w: %d bytes is shorter than a dns header", errMalformed, len(b))
	}
	if binary.BigEndian.Uint16(b) != id {
		return nil, errNoMatch
	}
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if !m.Response {
		return nil, fmt.Errorf("%w: no QR bit", errMalformed)
	}
	return m, nil
}

// query asks server for (name, qtype) with the given flags, over UDP with
// retries on silence, then TCP when UDP stays silent or the reply is
// truncated (pitfalls §2.7). network "tcp" skips UDP.
func (c *client) query(ctx context.Context, server, network string, m *dns.Msg) (*reply, string, error) {
	if network == "tcp" {
		r, err := c.exchange(ctx, server, "tcp", m)
		return r, "tcp", err
	}
	var lastErr error
	for try := 0; try <= c.env.Retries+1; try++ {
		r, err := c.exchange(ctx, server, "udp", m.Copy())
		if err == nil {
			if r.msg.Truncated {
				if rt, err := c.exchange(ctx, server, "tcp", m.Copy()); err == nil {
					return rt, "tcp", nil
				}
			}
			return r, "udp", nil
		}
		lastErr = err
		if ctx.Err() != nil || scanners.StatusOf(err) != scanners.Timeout {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, "udp", ctx.Err()
	}
	if r, err := c.exchange(ctx, server, "tcp", m.Copy()); err == nil {
		return r, "tcp", nil
	}
	return nil, "udp", lastErr
}

// newQuery builds a query with EDNS0 (buffer 4096) and the given RD bit.
func newQuery(name string, qtype uint16, rd bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = rd
	m.SetEdns0(udpBufferSize, false)
	return m
}

// rcode names a reply's rcode ("NOERROR", "REFUSED", "RCODE42").
func rcode(m *dns.Msg) string {
	if s, ok := dns.RcodeToString[m.Rcode]; ok {
		return s
	}
	return fmt.Sprintf("RCODE%d", m.Rcode)
}

// msgText is the dig-style text of m, bounded for evidence.
func msgText(m *dns.Msg) string {
	if m == nil {
		return ""
	}
	return clip(m.String(), maxTextBytes)
}

// rrLines returns up to max records in presentation form, each bounded.
func rrLines(rrs []dns.RR, max int) []string {
	var out []string
	for _, rr := range rrs {
		if len(out) == max {
			break
		}
		out = append(out, clip(strings.ReplaceAll(rr.String(), "\t", " "), maxRRText))
	}
	return out
}

// clip bounds s to n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + " …(truncated)"
}

// randomLabel returns a fresh DNS label that no cache can hold.
func randomLabel() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("shindan-%d", time.Now().UnixNano())
	}
	return fmt.Sprintf("shindan-%x", b)
}

// parentName is name without its first label ("." for a TLD).
func parentName(name string) string {
	name = dns.Fqdn(name)
	i, end := dns.NextLabel(name, 0)
	if end || i >= len(name) {
		return "."
	}
	return name[i:]
}
