package scanners

import (
	"crypto/x509"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Settings carries user choices from the command line and the policy's
// probe: section to probes. Each probe area has its own typed part; a zero
// field means the default documented on it, so a Settings built by a test
// with only the fields it cares about is complete. Values that go on the
// wire (HELO, MAIL FROM, User-Agent, DNS names) are validated where they
// are parsed (SettingKeys, CheckWire) and refused again by the writers.
type Settings struct {
	// Resolver is "host:port" of the DNS server for the scanner's own
	// lookups; "" = the system's.
	Resolver string
	// RootCAs are the trust anchors of certificate checks; nil = system roots.
	RootCAs *x509.CertPool

	SMTP   SMTPSettings
	HTTP   HTTPSettings
	Mail   MailSettings
	DNS    DNSSettings
	TLS    TLSSettings
	Svc    SvcSettings
	NDP    NDPSettings
	Nuclei NucleiSettings
}

// SMTPSettings shape smtp.session and the SMTP parts of svc.ident and
// tls.scan (STARTTLS).
type SMTPSettings struct {
	HELO     string // EHLO/HELO name; "" = "shindan.invalid" (RFC 6761: cannot be delivered to)
	MailFrom string // outside sender of the relay test; "" = smtpscan.DefaultMailFrom
	RcptTo   string // outside recipient of the relay test; "" = smtpscan.DefaultRcptTo
	// MailDomain is the target's own domain for the own-domain-sender
	// relay form; "" = derived from the target name or the greeting.
	MailDomain string
	NoRelay    bool // skip the relay test (policy smtp_relay: off)
	// GreetTimeout is how long a mail port (25, 587) is given to send its
	// 220 greeting, by svc.ident and smtp.session alike; 0 = 30s
	// (DefaultGreetTimeout).
	GreetTimeout time.Duration
}

// DefaultGreetTimeout is the greeting wait on mail ports. Real MTAs make
// clients wait: postscreen's greet test pauses about 6 s after a "220-"
// line, loaded servers and tarpitting filters longer; RFC 5321 §4.5.3.2.1
// lets a client wait 5 minutes. 30 s finds every delayed greeting we know
// of in practice, while a tarpit on 25 costs a bounded half minute.
const DefaultGreetTimeout = 30 * time.Second

// Greet returns the greeting wait.
func (s SMTPSettings) Greet() time.Duration {
	if s.GreetTimeout > 0 {
		return s.GreetTimeout
	}
	return DefaultGreetTimeout
}

// HTTPSettings shape every HTTP request the scanner makes.
type HTTPSettings struct {
	UserAgent string // names the scanner and a contact; "" = "shindan"
}

// MailSettings shape the mail-domain probe.
type MailSettings struct {
	DKIMSelectors []string // tried besides the common selectors
}

// DNSSettings shape the DNS server and domain probes.
type DNSSettings struct {
	ProbeName   string       // name of the recursion test; "" = dnsscan.DefaultProbeName
	ProbeExpect []netip.Addr // addresses ProbeName must resolve to
	Zones       []string     // zones to try AXFR on every server
	SOARecheck  time.Duration
	// KnownNames are names the scan resolved through its own resolver,
	// with their addresses (the engine fills them from the target set):
	// dns.server asks a resolver for them to prove recursion without
	// internet egress.
	KnownNames []KnownName
	// ZoneServers are name servers to ask for a domain's own NS set when
	// its parent cannot be reached and the resolver does not know it
	// (undelegated testing; policy probe key dns_zone_servers).
	ZoneServers []netip.Addr
}

// KnownName is a name and the addresses it resolved to.
type KnownName struct {
	Name  string
	Addrs []netip.Addr
}

// TLSSettings bound the TLS enumeration.
type TLSSettings struct {
	Parallel       int // handshakes in flight per endpoint; 0 = the tlsscan default (1..32)
	MaxConnections int // handshakes per endpoint in all; 0 = unlimited
}

// SvcSettings bound service identification.
type SvcSettings struct {
	BannerWait time.Duration // wait for a server-first banner on non-mail ports; 0 = 30% of the I/O timeout, at most 1.5s
	Budget     time.Duration // everything for one endpoint; 0 = twice the I/O timeout (plus the greeting wait on mail ports)
}

// NDPSettings shape the layer-2 segment listener.
type NDPSettings struct {
	Window time.Duration // listening time; 0 = 5s
}

// NucleiSettings shape vuln.known's template run.
type NucleiSettings struct {
	TemplateDirs []string // extra template directories besides the curated set
	Intrusive    bool     // also run intrusive templates (default logins)
}

// Over returns s with every field that is set (non-zero) in o replacing
// the one in s: the command line laid over the policy, the policy over the
// defaults.
func (s Settings) Over(o Settings) Settings {
	str(&s.Resolver, o.Resolver)
	if o.RootCAs != nil {
		s.RootCAs = o.RootCAs
	}
	str(&s.SMTP.HELO, o.SMTP.HELO)
	str(&s.SMTP.MailFrom, o.SMTP.MailFrom)
	str(&s.SMTP.RcptTo, o.SMTP.RcptTo)
	str(&s.SMTP.MailDomain, o.SMTP.MailDomain)
	s.SMTP.NoRelay = s.SMTP.NoRelay || o.SMTP.NoRelay
	num(&s.SMTP.GreetTimeout, o.SMTP.GreetTimeout)
	str(&s.HTTP.UserAgent, o.HTTP.UserAgent)
	list(&s.Mail.DKIMSelectors, o.Mail.DKIMSelectors)
	str(&s.DNS.ProbeName, o.DNS.ProbeName)
	list(&s.DNS.ProbeExpect, o.DNS.ProbeExpect)
	list(&s.DNS.Zones, o.DNS.Zones)
	num(&s.DNS.SOARecheck, o.DNS.SOARecheck)
	list(&s.DNS.KnownNames, o.DNS.KnownNames)
	list(&s.DNS.ZoneServers, o.DNS.ZoneServers)
	num(&s.TLS.Parallel, o.TLS.Parallel)
	num(&s.TLS.MaxConnections, o.TLS.MaxConnections)
	num(&s.Svc.BannerWait, o.Svc.BannerWait)
	num(&s.Svc.Budget, o.Svc.Budget)
	num(&s.NDP.Window, o.NDP.Window)
	list(&s.Nuclei.TemplateDirs, o.Nuclei.TemplateDirs)
	s.Nuclei.Intrusive = s.Nuclei.Intrusive || o.Nuclei.Intrusive
	return s
}

// str, num and list are Over's field rule: a zero value in the upper
// layer means "not given" and leaves the lower layer's value; lists are
// replaced whole, not merged, and cloned so layers never share a slice.
func str(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func num[T int | time.Duration](dst *T, v T) {
	if v != 0 {
		*dst = v
	}
}

func list[T any](dst *[]T, v []T) {
	if len(v) > 0 {
		*dst = slices.Clone(v)
	}
}

// CheckWireValues refuses settings whose values cannot go on the wire
// as they are (a control character in the HELO name, a sender that is not
// a mailbox): the engine calls it before the first packet.
func (s Settings) CheckWireValues() error {
	checks := []struct {
		what, v string
		check   func(string) error
	}{
		{"HELO name", s.SMTP.HELO, CheckHELO},
		{"relay sender", s.SMTP.MailFrom, CheckMailbox},
		{"relay recipient", s.SMTP.RcptTo, CheckMailbox},
		{"mail domain", s.SMTP.MailDomain, CheckHostName},
		{"User-Agent", s.HTTP.UserAgent, CheckHeaderValue},
		{"resolver probe name", s.DNS.ProbeName, CheckHostName},
	}
	for _, c := range checks {
		if c.v == "" {
			continue
		}
		if err := c.check(c.v); err != nil {
			return fmt.Errorf("scanners: %s: %w", c.what, err)
		}
	}
	for _, z := range append(slices.Clone(s.DNS.Zones), s.Mail.DKIMSelectors...) {
		if err := CheckHostName(z); err != nil {
			return fmt.Errorf("scanners: DNS name: %w", err)
		}
	}
	return nil
}
