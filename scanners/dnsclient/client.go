// Package dnsclient is the one DNS client of the probes (dnsscan and
// mailscan): single query/response exchanges through the scope guard with a
// deadline on every read, reply matching by ID and question, bounded reply
// sizes, EDNS0, and the UDP-then-TCP policy of a query. It also reads the
// system resolver (/etc/resolv.conf) for the scanner's own lookups.
package dnsclient

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// Bounds against hostile servers.
const (
	// MaxUDPReply is the largest datagram read: a whole UDP payload, so a
	// reply larger than our EDNS0 buffer is still read and judged, not cut.
	MaxUDPReply = 65535
	// maxUDPReads bounds the stray datagrams read before giving up on a
	// reply that matches the query.
	maxUDPReads = 8
	// BufferSize is the EDNS0 UDP buffer we advertise (RFC 6891 §6.2.5:
	// 4096 is the common default; the 2020 flag day's 1232 would change
	// what servers send to the probes).
	BufferSize = 4096
)

// ErrNoMatch means datagrams came back but none answered our query.
var ErrNoMatch = errors.New("dnsclient: no reply matching the query id")

// ErrMalformed marks a reply that arrived but is not a DNS reply we can
// read: a protocol error, never a timeout.
var ErrMalformed = errors.New("dnsclient: malformed reply")

// ErrTruncated marks a reply with TC=1 for which no complete answer came:
// the TCP retry failed or was truncated too. A truncated reply is the
// server saying "ask me over TCP" (RFC 7766 §5); its empty sections and
// its flags are no answer to judge.
var ErrTruncated = errors.New("dnsclient: truncated reply")

// DialFunc dials through the scope guard (scanners.Env.DialContext or
// LookupDialContext).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// Client sends queries to servers named "addr:port". The zero UDPTries and
// TCPOnSilence give one UDP send and TCP only for a truncated reply.
type Client struct {
	Dial DialFunc
	// Timeout bounds one exchange (dial to reply); a nearer ctx deadline
	// wins.
	Timeout time.Duration
	// UDPTries is how often Query sends over UDP while the server stays
	// silent (UDP loses datagrams; at least 1).
	UDPTries int
	// TCPOnSilence makes Query ask once over TCP after UDP stayed silent:
	// a server behind a UDP filter may still answer on TCP (pitfalls §2.7).
	TCPOnSilence bool
}

// Reply is one answered exchange.
type Reply struct {
	Msg  *dns.Msg
	Size int // wire bytes of the reply
	Req  int // wire bytes of the query
	// TCPErr is why the TCP retry of a truncated UDP reply failed; Msg is
	// then the truncated UDP reply.
	TCPErr error
	// ViaTCP is true when the UDP reply was truncated and Msg is the TCP
	// retry's reply.
	ViaTCP bool
	// NoEDNS is true when the server answered our EDNS0 query with
	// FORMERR or NOTIMP and no OPT record, and Msg is the reply to the
	// same query without EDNS0 (RFC 6891 §7).
	NoEDNS bool
}

// Whole returns nil when Msg is a complete answer, else an error wrapping
// ErrTruncated that says why the complete answer is missing: a truncated
// reply carries no evidence (its flags and empty sections say "retry over
// TCP", not "no data" or "no recursion").
func (r *Reply) Whole() error {
	switch {
	case r.TCPErr != nil:
		return fmt.Errorf("%w: udp reply had TC=1 and the tcp retry failed: %v", ErrTruncated, r.TCPErr)
	case r.Msg.Truncated && r.ViaTCP:
		return fmt.Errorf("%w: udp reply had TC=1 and the tcp reply too", ErrTruncated)
	case r.Msg.Truncated:
		return fmt.Errorf("%w: TC=1 (no complete answer)", ErrTruncated)
	}
	return nil
}

// NewQuery builds a query for (name, qtype) with EDNS0 (BufferSize, DO
// clear) and the given RD bit.
func NewQuery(name string, qtype uint16, rd bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = rd
	m.SetEdns0(BufferSize, false)
	return m
}

// Exchange sends m to server over "udp" or "tcp" with a fresh ID and
// returns the reply. Every read has a deadline; a TCP reply is at most 65535
// bytes by its length prefix, a UDP one by MaxUDPReply. Cancelling ctx
// aborts the dial and the reads.
func (c *Client) Exchange(ctx context.Context, server, network string, m *dns.Msg) (*Reply, error) {
	m.Id = dns.Id()
	wire, err := m.Pack()
	if err != nil {
		return nil, fmt.Errorf("dnsclient: pack query: %w", err)
	}
	conn, err := c.Dial(ctx, network, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline := time.Now().Add(c.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if network == "tcp" {
		if err := WriteTCP(conn, wire); err != nil {
			return nil, CtxErr(ctx, err)
		}
		raw, err := ReadTCP(conn)
		if err != nil {
			return nil, CtxErr(ctx, err)
		}
		r, err := Decode(raw, m)
		if err != nil {
			return nil, err
		}
		return &Reply{Msg: r, Size: len(raw), Req: len(wire)}, nil
	}
	if _, err := conn.Write(wire); err != nil {
		return nil, CtxErr(ctx, err)
	}
	buf := make([]byte, MaxUDPReply)
	for range maxUDPReads {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, CtxErr(ctx, err)
		}
		r, err := Decode(buf[:n], m)
		if errors.Is(err, ErrNoMatch) {
			continue // a stray or spoofed datagram: keep listening
		}
		if err != nil {
			return nil, err
		}
		return &Reply{Msg: r, Size: n, Req: len(wire)}, nil
	}
	return nil, ErrNoMatch
}

// Query asks server for m: over UDP (UDPTries sends while silent; any other
// failure, refused or malformed, is an answer of sorts and not retried), then TCP
// when the UDP reply is truncated (RFC 7766 §5) or, with TCPOnSilence, when
// UDP stayed silent. network "tcp" skips UDP. A truncated UDP reply whose
// TCP retry fails is returned with Reply.TCPErr set; Reply.Whole tells a
// complete answer from a truncated one. A FORMERR or NOTIMP reply without
// an OPT record to a query with EDNS0 is an EDNS-intolerant server, not
// an answer: the query is asked once more without EDNS0 (RFC 6891 §7).
func (c *Client) Query(ctx context.Context, server, network string, m *dns.Msg) (*Reply, error) {
	r, err := c.query(ctx, server, network, m)
	if err != nil || !ednsRejected(m, r.Msg) {
		return r, err
	}
	plain := m.Copy()
	plain.Extra = slices.DeleteFunc(plain.Extra, func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeOPT })
	r2, err := c.query(ctx, server, network, plain)
	if err != nil {
		// The first reply stands: the server did answer, with an error.
		return r, nil
	}
	r2.NoEDNS = true
	return r2, nil
}

// ednsRejected reports whether reply is a rejection of q's EDNS0 by a
// server that does not know it: FORMERR or NOTIMP without an OPT record
// (a server that knows EDNS0 echoes OPT, RFC 6891 §7).
func ednsRejected(q, reply *dns.Msg) bool {
	if q.IsEdns0() == nil || reply.IsEdns0() != nil {
		return false
	}
	return reply.Rcode == dns.RcodeFormatError || reply.Rcode == dns.RcodeNotImplemented
}

// query is Query without the EDNS0 fallback.
func (c *Client) query(ctx context.Context, server, network string, m *dns.Msg) (*Reply, error) {
	if network == "tcp" {
		return c.Exchange(ctx, server, "tcp", m.Copy())
	}
	var lastErr error
	for range max(c.UDPTries, 1) {
		r, err := c.Exchange(ctx, server, "udp", m.Copy())
		if err == nil {
			if r.Msg.Truncated {
				rt, err := c.Exchange(ctx, server, "tcp", m.Copy())
				if err == nil {
					rt.ViaTCP = true
					return rt, nil
				}
				r.TCPErr = err
			}
			return r, nil
		}
		lastErr = err
		if ctx.Err() != nil || scanners.StatusOf(err) != scanners.Timeout {
			break
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if c.TCPOnSilence {
		if r, err := c.Exchange(ctx, server, "tcp", m.Copy()); err == nil {
			return r, nil
		}
	}
	return nil, lastErr
}

// CtxErr prefers ctx's error: a read that failed because ctx ended failed
// for that reason, not for the deadline it was cut with.
func CtxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// WriteTCP writes one message with its two-byte length prefix (RFC 1035
// §4.2.2).
func WriteTCP(conn net.Conn, wire []byte) error {
	b := make([]byte, 2+len(wire))
	binary.BigEndian.PutUint16(b, uint16(len(wire)))
	copy(b[2:], wire)
	_, err := conn.Write(b)
	return err
}

// ReadTCP reads one length-prefixed message (at most 65535 bytes by
// construction).
func ReadTCP(r io.Reader) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(l[:]))
	if n < 12 {
		return nil, fmt.Errorf("%w: tcp message of %d bytes is shorter than a dns header", ErrMalformed, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Decode parses untrusted bytes as a reply to query: the ID must be the
// query's (else ErrNoMatch, before any parsing), the QR bit set, and a
// question section, when the server sent one, the query's question. Servers
// may leave the question out of error replies and of later messages of a
// zone transfer (RFC 5936 §2.2.1), so an empty one matches.
func Decode(b []byte, query *dns.Msg) (*dns.Msg, error) {
	if len(b) < 12 {
		return nil, fmt.Errorf("%w: %d bytes is shorter than a dns header", ErrMalformed, len(b))
	}
	if binary.BigEndian.Uint16(b) != query.Id {
		return nil, ErrNoMatch
	}
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if !m.Response {
		return nil, fmt.Errorf("%w: no QR bit", ErrMalformed)
	}
	if len(m.Question) > 0 && len(query.Question) > 0 && !sameQuestion(m.Question[0], query.Question[0]) {
		return nil, ErrNoMatch
	}
	return m, nil
}

// sameQuestion compares names case-insensitively: servers may echo the
// name in another case (and 0x20 randomisation relies on it being kept,
// which we do not ask for).
func sameQuestion(a, b dns.Question) bool {
	return a.Qtype == b.Qtype && a.Qclass == b.Qclass && strings.EqualFold(a.Name, b.Name)
}
