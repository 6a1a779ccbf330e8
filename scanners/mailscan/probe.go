package mailscan

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/miekg/dns"
	"golang.org/x/net/publicsuffix"

	"shindan/scanners"
)

func init() { scanners.Register(Probe{}) }

var _ scanners.Probe = Probe{}

// CommonSelectors are tried besides Settings.Mail.DKIMSelectors.
var CommonSelectors = []string{"default", "dkim", "mail", "selector1", "selector2", "google", "k1", "s1", "s2", "sel1"}

// maxPolicy bounds the MTA-STS policy body (RFC 8461 allows 64 KiB).
const maxPolicy = 64 * 1024

// Probe is mail.domain (LevelName: Target.Name is the mail domain). It
// reads Settings.Resolver (else /etc/resolv.conf) and
// Settings.Mail.DKIMSelectors.
type Probe struct{}

// Info implements scanners.Probe.
func (Probe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeMailDomain, Level: scanners.LevelName}
}

// Run implements scanners.Probe. Cancelling ctx closes the open DNS or
// HTTPS connection; the observation then says Interrupted.
func (Probe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	at := env.Clock()
	domain := strings.ToLower(strings.TrimSuffix(t.Name, "."))
	if _, ok := dns.IsDomainName(domain); !ok || domain == "" {
		return []scanners.Observation{scanners.Failed(scanners.ProbeMailDomain, t, at, fmt.Errorf("mailscan: %q is not a domain name", t.Name))}, nil
	}
	r, err := newResolver(env)
	if err != nil {
		return nil, err // no resolver at all: the scan cannot run this probe
	}
	md := &scanners.MailDomain{Domain: domain, Resolver: r.server, DNSErrors: map[string]string{}}
	var log strings.Builder
	note := func(k string, err error) {
		if err != nil && !errors.Is(err, errVoid) {
			md.DNSErrors[k] = err.Error()
		}
	}

	mxs, err := r.query(ctx, domain, dns.TypeMX)
	note("mx", err)
	sort.Slice(mxs, func(i, j int) bool { return mxs[i].(*dns.MX).Preference < mxs[j].(*dns.MX).Preference })
	for _, rr := range mxs {
		mx := rr.(*dns.MX)
		md.MX = append(md.MX, fmt.Sprintf("%d %s", mx.Preference, strings.TrimSuffix(mx.Mx, ".")))
	}

	md.SPF, err = evalSPF(ctx, r, domain)
	note("spf", err)
	fmt.Fprintf(&log, "TXT %s (SPF): %q; lookups %d, void %d\n", domain, md.SPF.Records, md.SPF.Lookups, md.SPF.VoidLookups)
	for _, inc := range md.SPF.Includes {
		fmt.Fprintf(&log, "  included %s\n", inc)
	}

	md.DMARC, err = dmarc(ctx, r, domain)
	note("dmarc", err)
	fmt.Fprintf(&log, "TXT _dmarc.%s: %q\n", md.DMARC.Domain, md.DMARC.Records)

	md.Selectors = selectors(env.Settings.Mail.DKIMSelectors)
	for _, sel := range md.Selectors {
		txts, err := r.txt(ctx, sel+"._domainkey."+domain)
		if err != nil {
			if !errors.Is(err, errVoid) {
				md.DNSErrors["dkim"] = err.Error()
			}
			continue
		}
		for _, txt := range txts {
			k := DKIMKey(txt)
			k.Selector = sel
			md.DKIM = append(md.DKIM, k)
			fmt.Fprintf(&log, "TXT %s._domainkey.%s: %s key, %d bits\n", sel, domain, k.KeyType, k.Bits)
		}
	}

	txts, err := r.txt(ctx, "_mta-sts."+domain)
	note("mta-sts", err)
	for _, s := range txts {
		if strings.HasPrefix(s, "v=STSv1") {
			md.MTASTS.Records = append(md.MTASTS.Records, s)
		}
	}
	if len(md.MTASTS.Records) > 0 {
		md.MTASTS.ID = ParseTagList(md.MTASTS.Records[0])["id"]
		fetchPolicy(ctx, env, r, domain, &md.MTASTS)
		fmt.Fprintf(&log, "MTA-STS %q policy %s ok=%v mode=%s %s\n", md.MTASTS.Records, md.MTASTS.PolicyURL, md.MTASTS.PolicyOK, md.MTASTS.Mode, md.MTASTS.PolicyError)
	}
	txts, err = r.txt(ctx, "_smtp._tls."+domain)
	note("tlsrpt", err)
	for _, s := range txts {
		if strings.HasPrefix(s, "v=TLSRPTv1") {
			md.TLSRPT = append(md.TLSRPT, s)
		}
	}
	for _, mx := range md.MX {
		host := mx[strings.IndexByte(mx, ' ')+1:]
		ts := scanners.TLSA{MX: host}
		rrs, err := r.query(ctx, "_25._tcp."+host, dns.TypeTLSA)
		if err != nil && !errors.Is(err, errVoid) {
			ts.Error = err.Error()
		}
		for _, rr := range rrs {
			x := rr.(*dns.TLSA)
			ts.Records = append(ts.Records, fmt.Sprintf("%d %d %d %s", x.Usage, x.Selector, x.MatchingType, x.Certificate))
		}
		md.TLSA = append(md.TLSA, ts)
	}
	fmt.Fprintf(&log, "MX %q; TLS-RPT %q; DNS errors %v; %d queries to %s\n", md.MX, md.TLSRPT, md.DNSErrors, r.count, r.server)

	o := scanners.Observation{Probe: scanners.ProbeMailDomain, Target: t, At: at, Status: scanners.OK, Data: md,
		Evidence: []scanners.Evidence{{Kind: "dns", Summary: "mail DNS records of " + domain, Data: log.String()}}}
	if ctx.Err() != nil {
		o.Status, o.Reason = scanners.Interrupted, "scan interrupted"
	}
	return []scanners.Observation{o}, nil
}

// selectors is the DKIM selector list: the policy's first (they are the
// domain's real ones), then CommonSelectors, lower-cased, deduplicated,
// and without strings that are not domain names (they would only turn
// into DNS errors). Selectors cannot be listed from DNS, only guessed.
func selectors(opt []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range append(slices.Clone(opt), CommonSelectors...) {
		s = strings.ToLower(strings.TrimSpace(s))
		if _, ok := dns.IsDomainName(s); s != "" && ok && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// orgDomain is the organisational domain of RFC 7489 §3.2: the public
// suffix (from the Public Suffix List compiled into x/net) plus one label.
// A last-two-labels rule would be wrong for exactly the domains this tool
// is aimed at: for example.go.jp it would fall back to go.jp, a registry
// suffix whose DMARC record (if any) is not the agency's policy. A name
// that is itself a suffix, or not a valid name, is its own org domain, so
// the fallback step is skipped.
func orgDomain(d string) string {
	d = strings.TrimSuffix(strings.ToLower(d), ".")
	org, err := publicsuffix.EffectiveTLDPlusOne(d)
	if err != nil {
		return d
	}
	return org
}

// dmarc does RFC 7489 §6.6.3 policy discovery: _dmarc.<domain>, then the
// organisational domain when the first has no DMARC record. A lookup that
// failed (not merely empty) stops the walk with an error, since falling
// back past it could report the wrong domain's policy.
func dmarc(ctx context.Context, r *resolver, domain string) (scanners.DMARCResult, error) {
	var res scanners.DMARCResult
	for i, d := range []string{domain, orgDomain(domain)} {
		if i == 1 && strings.EqualFold(strings.TrimSuffix(d, "."), strings.TrimSuffix(domain, ".")) {
			break
		}
		txts, err := r.txt(ctx, "_dmarc."+d)
		if err != nil && !errors.Is(err, errVoid) {
			return res, err
		}
		for _, t := range txts {
			// Leading space or case variants are recorded so the check can
			// call them syntax errors (checkdmarc#182).
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(t)), "v=dmarc1") {
				res.Records = append(res.Records, t)
			}
		}
		if len(res.Records) > 0 {
			res.Domain, res.Fallback = d, i == 1
			if len(res.Records) > 1 {
				res.Errors = append(res.Errors, fmt.Sprintf("%d DMARC records (RFC 7489 6.6.3: exactly one)", len(res.Records)))
			}
			var errs []string
			res.Tags, errs = ParseDMARC(res.Records[0])
			res.Errors = append(res.Errors, errs...)
			return res, nil
		}
	}
	res.Domain = domain
	return res, nil
}

// DKIMKey parses a DKIM key record (RFC 6376 3.6.1) into type and size.
func DKIMKey(txt string) scanners.DKIMKey {
	k := scanners.DKIMKey{Record: txt}
	if len(txt) > MaxRecord {
		k.Error = "record too long"
		return k
	}
	tags := ParseTagList(txt)
	if v, ok := tags["v"]; ok && v != "DKIM1" {
		k.Error = "v is not DKIM1"
		return k
	}
	k.KeyType = strings.ToLower(tags["k"])
	if k.KeyType == "" {
		k.KeyType = "rsa"
	}
	p, ok := tags["p"]
	if !ok {
		k.Error = "no p= tag"
		return k
	}
	if p == "" { // RFC 6376 §3.6.1: an empty p= is a revoked key
		k.Revoked = true
		return k
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		k.Error = "p= is not base64"
		return k
	}
	switch k.KeyType {
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			k.Error = "ed25519 key is not 32 bytes"
			return k
		}
		k.Bits = 256
	case "rsa":
		// Signers publish RSA keys as SubjectPublicKeyInfo or as a bare
		// PKCS#1 RSAPublicKey; both are accepted, since only the modulus
		// size is graded.
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			rk, err2 := x509.ParsePKCS1PublicKey(der)
			if err2 != nil {
				k.Error = "rsa key does not parse: " + err.Error()
				return k
			}
			pub = rk
		}
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			k.Error = "k=rsa but the key is not RSA"
			return k
		}
		k.Bits = rk.N.BitLen()
	default:
		k.Error = "unknown key type " + k.KeyType
	}
	return k
}

// fetchPolicy gets https://mta-sts.<domain>/.well-known/mta-sts.txt,
// resolving the name with r and dialing through Env.DialContext only.
func fetchPolicy(ctx context.Context, env *scanners.Env, r *resolver, domain string, m *scanners.MTASTS) {
	host := "mta-sts." + domain
	m.PolicyURL = "https://" + host + "/.well-known/mta-sts.txt"
	var addrs []string
	for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, _ := r.query(ctx, host, qt)
		for _, rr := range rrs {
			switch x := rr.(type) {
			case *dns.A:
				addrs = append(addrs, x.A.String())
			case *dns.AAAA:
				addrs = append(addrs, x.AAAA.String())
			}
		}
	}
	if len(addrs) == 0 {
		m.PolicyError = "no address for " + host
		return
	}
	// The name is resolved by the probe's own resolver (the zone under
	// test, maybe not yet public) and the TLS name stays the policy host,
	// which RFC 8461 §3.3 requires the certificate to match.
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return env.DialContext(ctx, network, net.JoinHostPort(addrs[0], "443"))
		},
		TLSClientConfig:       &tls.Config{ServerName: host, RootCAs: env.Settings.RootCAs},
		TLSHandshakeTimeout:   env.Timeout(),
		ResponseHeaderTimeout: env.Timeout(),
		DisableKeepAlives:     true,
	}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 2 * env.Timeout(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("redirects are not allowed (RFC 8461 3.3)")
		}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.PolicyURL, nil)
	if err != nil {
		m.PolicyError = err.Error()
		return
	}
	resp, err := cl.Do(req)
	if err != nil {
		m.PolicyError = err.Error()
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPolicy+1))
	switch {
	case err != nil:
		m.PolicyError = err.Error()
		return
	case resp.StatusCode != http.StatusOK:
		m.PolicyError = "HTTP " + resp.Status
		return
	case len(body) > maxPolicy:
		m.PolicyError = "policy larger than 64 KiB"
		return
	}
	m.Policy = string(body)
	for _, line := range strings.Split(m.Policy, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if strings.TrimSpace(k) == "mode" {
			m.Mode = strings.TrimSpace(v)
		}
	}
	m.PolicyOK = strings.Contains(m.Policy, "version: STSv1") && m.Mode != ""
	if !m.PolicyOK {
		m.PolicyError = "policy lacks version: STSv1 or mode"
	}
}
