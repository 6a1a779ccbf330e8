package tlsscan

import (
	"context"
	"fmt"
	"strings"

	"shindan/scanners"
)

func init() { scanners.Register(Probe{}) }

// Probe is tls.scan: the full TLS enumeration of one endpoint.
type Probe struct{}

// Info implements scanners.Probe.
func (Probe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeTLSScan, Level: scanners.LevelEndpoint, Services: []string{"tls"}, After: []string{scanners.ProbeSvcIdent}}
}

// implicitPorts speak TLS from the first byte; startTLSPorts upgrade.
var implicitPorts = map[uint16]bool{443: true, 465: true, 636: true, 853: true, 989: true, 990: true, 992: true, 993: true, 994: true, 995: true, 5061: true, 8443: true}

// startTLSPorts are the registered STARTTLS ports: SMTP 25 and submission
// 587 (RFC 3207), IMAP 143 and POP3 110 (RFC 2595), FTP 21 AUTH TLS
// (RFC 4217).
var startTLSPorts = map[uint16]string{25: "smtp", 587: "smtp", 143: "imap", 110: "pop3", 21: "ftp"}

// Mode decides implicit TLS or the STARTTLS protocol for t from the
// svc.ident result, or the port number when there is none. ok is false
// when the endpoint is not known to speak TLS at all.
func Mode(svc *scanners.Service, port uint16) (starttls string, ok bool) {
	if svc != nil && (svc.TLS || svc.StartTLS) {
		if svc.TLS {
			return "", true
		}
		switch svc.Name {
		case "smtp", "submission", "imap", "pop3", "ftp":
			if svc.Name == "submission" {
				return "smtp", true
			}
			return svc.Name, true
		}
	}
	if implicitPorts[port] {
		return "", true
	}
	if p, ok := startTLSPorts[port]; ok {
		return p, true
	}
	return "", svc != nil && svc.TLS
}

// Run implements scanners.Probe.
func (Probe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	at := env.Clock()
	var svc *scanners.Service
	if env.Prior != nil {
		for _, o := range env.Prior(scanners.ProbeSvcIdent, t) {
			if s, ok := o.Data.(*scanners.Service); ok && s.Port == t.Port && (s.Proto == t.Proto || s.Proto == "" || t.Proto == "") {
				svc = s
			}
		}
	}
	st, ok := Mode(svc, t.Port)
	if !ok {
		return []scanners.Observation{{Probe: scanners.ProbeTLSScan, Target: t, At: at, Status: scanners.ProtocolError,
			Reason: fmt.Sprintf("port %d is not known to speak TLS or STARTTLS", t.Port)}}, nil
	}
	cfg := Config{
		Addr: t.HostPort(), SNI: t.Name, StartTLS: st, HELO: env.Settings.SMTP.HELO,
		Dial: env.DialContext, Timeout: env.Timeout(), RootCAs: env.Settings.RootCAs, Now: at,
	}
	if env.Settings.RootCAs != nil {
		cfg.TrustStore = "custom (--ca-file)"
	}
	if v := env.Settings.TLS.Parallel; v > 0 && v <= 32 {
		cfg.Parallel = v
	}
	if v := env.Settings.TLS.MaxConnections; v > 0 {
		cfg.MaxConns = v
	}
	res, err := Scan(ctx, cfg)
	if err != nil {
		o := scanners.Failed(scanners.ProbeTLSScan, t, at, err)
		if res != nil {
			o.Data = res
		}
		return []scanners.Observation{o}, nil
	}
	o := scanners.Observation{Probe: scanners.ProbeTLSScan, Target: t, At: at, Status: scanners.OK, Data: res,
		Evidence: []scanners.Evidence{{Kind: "tls", Summary: summary(res), Data: detail(res)}}}
	return []scanners.Observation{o}, nil
}

// summary is the one-line evidence summary: the mode, each supported
// protocol with its suite count, and the connections the scan cost.
func summary(r *scanners.TLSScan) string {
	var ps []string
	for _, p := range r.Protocols {
		if p.Status == "supported" {
			ps = append(ps, fmt.Sprintf("%s(%d)", p.Name, len(p.Suites)))
		}
	}
	mode := r.Mode
	if r.StartTLS != "" {
		mode += " " + r.StartTLS
	}
	return fmt.Sprintf("%s: %s; %d connections", mode, strings.Join(ps, " "), r.Connections)
}

// detail is the evidence text: every accepted suite per protocol.
func detail(r *scanners.TLSScan) string {
	var b strings.Builder
	for _, p := range r.Protocols {
		fmt.Fprintf(&b, "%s %s", p.Name, p.Status)
		if p.ServerOrder != "" {
			fmt.Fprintf(&b, " (order: %s)", p.ServerOrder)
		}
		if p.Reason != "" {
			fmt.Fprintf(&b, ": %s", p.Reason)
		}
		b.WriteByte('\n')
		for _, s := range p.Suites {
			fmt.Fprintf(&b, "  %s %s", s.Code, s.Name)
			if s.KxGroup != "" || s.KxBits > 0 {
				fmt.Fprintf(&b, " [%s %d]", s.KxGroup, s.KxBits)
			}
			b.WriteByte('\n')
		}
	}
	if c := r.Certificate; c != nil && len(c.Certs) > 0 {
		fmt.Fprintf(&b, "certificate: %s (issuer %s, until %s, %s %d, %s) trusted=%v name_match=%v\n",
			c.Certs[0].Subject, c.Certs[0].Issuer, c.Certs[0].NotAfter, c.Certs[0].KeyType, c.Certs[0].KeyBits, c.Certs[0].SigAlg, c.Trusted, c.NameMatch)
	}
	return b.String()
}
