package mailscan

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"shindan/scanners"
	"shindan/scanners/dnsclient"
)

// errVoid marks a lookup that returned NXDOMAIN or no answer (RFC 7208
// void lookup); the caller decides whether that is an error.
var errVoid = errors.New("mailscan: no data")

// resolver sends queries to one server through Env.DialContext with the
// shared client: one UDP send, TCP when the answer is truncated. Every
// exchange has one deadline and the client's size bounds.
type resolver struct {
	env    *scanners.Env
	server string
	count  int // queries sent, bounded by maxQueries
}

// maxQueries bounds the DNS work for one domain (SPF trees, selectors).
// A valid domain needs a few dozen (10 SPF terms, their MX exchanges,
// about a dozen DKIM selectors, TLSA per MX); only a broken or hostile
// zone reaches it, and then the probe stops asking instead of looping.
const maxQueries = 200

// newResolver uses --resolver (Settings.Resolver) when given, since
// mail DNS is often checked against a zone not yet delegated; else the
// system resolver.
func newResolver(env *scanners.Env) (*resolver, error) {
	s := env.Settings.Resolver
	if s == "" {
		var err error
		if s, err = dnsclient.SystemServer(); err != nil {
			return nil, fmt.Errorf("mailscan: no resolver configured: %w", err)
		}
	}
	return &resolver{env: env, server: s}, nil
}

// client is the shared client with the mail probe's policy, kept as it
// was before the clients were merged: the zero UDPTries and TCPOnSilence,
// so one UDP send and TCP only for a truncated answer.
func (r *resolver) client() *dnsclient.Client {
	return &dnsclient.Client{Dial: r.env.DialContext, Timeout: r.env.Timeout()}
}

// query returns the answer RRs of type qt for name. NXDOMAIN and NOERROR
// without data give errVoid; SERVFAIL, REFUSED and network failures give
// other errors.
func (r *resolver) query(ctx context.Context, name string, qt uint16) ([]dns.RR, error) {
	if r.count >= maxQueries {
		return nil, fmt.Errorf("mailscan: query budget of %d exhausted", maxQueries)
	}
	r.count++
	rep, err := r.client().Query(ctx, r.server, "udp", dnsclient.NewQuery(name, qt, true))
	if err == nil {
		// A truncated answer is not the whole answer, whether the TCP
		// retry failed or came back truncated too: its empty answer
		// section is no "no record".
		err = rep.Whole()
	}
	if err != nil {
		return nil, fmt.Errorf("mailscan: %s %s: %w", dns.TypeToString[qt], name, err)
	}
	in := rep.Msg
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
