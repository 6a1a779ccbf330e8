package mailscan

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// errVoid marks a lookup that returned NXDOMAIN or no answer (RFC 7208
// void lookup); the caller decides whether that is an error.
var errVoid = errors.New("mailscan: no data")

// resolver sends queries to one server through Env.DialContext: UDP, then
// TCP when the answer is truncated. Every exchange has one deadline and
// miekg's message size bound.
type resolver struct {
	env    *scanners.Env
	server string
	count  int // queries sent, bounded by maxQueries
}

// maxQueries bounds the DNS work for one domain (SPF trees, selectors).
const maxQueries = 200

func newResolver(env *scanners.Env) (*resolver, error) {
	s := env.Settings.Resolver
	if s == "" {
		cfg, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil || len(cfg.Servers) == 0 {
			return nil, fmt.Errorf("mailscan: no resolver configured and /etc/resolv.conf unusable: %v", err)
		}
		s = net.JoinHostPort(cfg.Servers[0], cfg.Port)
	}
	return &resolver{env: env, server: s}, nil
}

func (r *resolver) exchange(ctx context.Context, network string, m *dns.Msg) (*dns.Msg, error) {
	nc, err := r.env.DialContext(ctx, network, r.server)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	if err := nc.SetDeadline(time.Now().Add(r.env.Timeout())); err != nil {
		return nil, err
	}
	co := &dns.Conn{Conn: nc, UDPSize: 4096}
	if err := co.WriteMsg(m); err != nil {
		return nil, err
	}
	for {
		in, err := co.ReadMsg()
		if err != nil {
			return nil, err
		}
		if in.Id == m.Id { // ignore stray datagrams
			return in, nil
		}
	}
}

// query returns the answer RRs of type qt for name. NXDOMAIN and NOERROR
// without data give errVoid; SERVFAIL, REFUSED and network failures give
// other errors.
func (r *resolver) query(ctx context.Context, name string, qt uint16) ([]dns.RR, error) {
	if r.count >= maxQueries {
		return nil, fmt.Errorf("mailscan: query budget of %d exhausted", maxQueries)
	}
	r.count++
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qt)
	m.SetEdns0(4096, false)
	in, err := r.exchange(ctx, "udp", m)
	if err == nil && in.Truncated {
		in, err = r.exchange(ctx, "tcp", m)
	}
	if err != nil {
		return nil, fmt.Errorf("mailscan: %s %s: %w", dns.TypeToString[qt], name, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, errVoid
	default:
		return nil, fmt.Errorf("mailscan: %s %s: %s", dns.TypeToString[qt], name, dns.RcodeToString[in.Rcode])
	}
	var out []dns.RR
	for _, rr := range in.Answer {
		if rr.Header().Rrtype == qt {
			out = append(out, rr)
		}
	}
	if len(out) == 0 {
		return nil, errVoid
	}
	return out, nil
}

// txt returns the TXT strings of name, each record's strings joined.
func (r *resolver) txt(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.query(ctx, name, dns.TypeTXT)
	var out []string
	for _, rr := range rrs {
		// miekg/dns keeps TXT strings in presentation form; the checks
		// must see the published bytes (control characters included).
		var b strings.Builder
		for _, p := range rr.(*dns.TXT).Txt {
			b.WriteString(unescapeTXT(p))
		}
		out = append(out, b.String())
	}
	return out, err
}
