// Package dnsscan probes DNS servers and domains: open recursion, zone
// transfers, identity disclosure, amplification (probe dns.server and
// dns.udp), and a domain's delegation, consistency, DNSSEC and leaks (probe
// dns.domain). It is the only package besides nucleiscan that imports
// github.com/miekg/dns; checks see plain payloads only.
package dnsscan

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
	"shindan/scanners/dnsclient"
)

// Bounds on the evidence kept from replies.
const (
	maxTextBytes = 2048 // dig-style evidence text
	maxAnswerRRs = 20   // answer lines kept per reply
	maxRRText    = 256  // one record's presentation form
)

// maxUDPReply is one whole datagram, the read size of the burst reader.
const maxUDPReply = dnsclient.MaxUDPReply

// client sends single queries through the scope guard with the shared
// client's exchange and the dnsscan query policy: retries on UDP silence,
// then TCP.
type client struct {
	env *scanners.Env
	// viaLookup marks a client that asks servers outside the targets
	// (parent zones) about the target's delegation: it dials through
	// Env.LookupDialContext, port 53 only.
	viaLookup bool
}

// reply is one answered exchange.
type reply = dnsclient.Reply

// errNoMatch and errMalformed are the shared client's: datagrams that
// answered something else, and replies we cannot read (a protocol error,
// never a timeout).
var (
	errNoMatch   = dnsclient.ErrNoMatch
	errMalformed = dnsclient.ErrMalformed
)

// statusOf is scanners.StatusOf that knows errMalformed.
func statusOf(err error) scanners.Status {
	if errors.Is(err, errMalformed) {
		return scanners.ProtocolError
	}
	return scanners.StatusOf(err)
}

// dc is the shared client with this probe's policy: Retries+2 UDP sends
// while the server is silent, then one over TCP (pitfalls §2.7).
func (c *client) dc() *dnsclient.Client {
	dial := c.env.DialContext
	if c.viaLookup {
		dial = c.env.LookupDialContext
	}
	return &dnsclient.Client{Dial: dial, Timeout: c.env.Timeout(), UDPTries: c.env.Retries + 2, TCPOnSilence: true}
}

// exchange sends m to server ("addr:port") over "udp" or "tcp" once.
func (c *client) exchange(ctx context.Context, server, network string, m *dns.Msg) (*reply, error) {
	return c.dc().Exchange(ctx, server, network, m)
}

// query asks server for m with retries and TCP fallback; network "tcp"
// skips UDP. A reply that stays truncated (TC=1 and no complete answer
// over TCP) is an error wrapping dnsclient.ErrTruncated: its empty
// sections would otherwise read as "no data", "lame" or "no version".
func (c *client) query(ctx context.Context, server, network string, m *dns.Msg) (*reply, error) {
	return whole(c.dc().Query(ctx, server, network, m))
}

// ask is query for the recursion test, which asks each transport on its
// own: UDP retried while silent and followed to TCP when truncated, but
// not moved to TCP on silence. The reply may be truncated; the caller
// calls Whole.
func (c *client) ask(ctx context.Context, server, network string, m *dns.Msg) (*reply, error) {
	dc := c.dc()
	dc.TCPOnSilence = false
	return dc.Query(ctx, server, network, m)
}

// whole turns a reply without a complete answer into its error.
func whole(r *reply, err error) (*reply, error) {
	if err != nil {
		return nil, err
	}
	if err := r.Whole(); err != nil {
		return nil, err
	}
	return r, nil
}

// newQuery builds a query with EDNS0 (buffer 4096) and the given RD bit.
func newQuery(name string, qtype uint16, rd bool) *dns.Msg {
	return dnsclient.NewQuery(name, qtype, rd)
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
