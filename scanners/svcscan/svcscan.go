// Package svcscan identifies what answers on an open TCP port (probe
// svc.ident) and tries read-only, credential-free access to databases and
// caches (probe svc.dbauth). Identification listens for a server-first
// banner, then sends protocol probes chosen by the port number, each on a
// fresh connection, and stops at the first positive match; the port number
// alone never names a service except for the silent r-services.
package svcscan

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"shindan/scanners"
)

func init() {
	scanners.Register(IdentProbe{})
	scanners.Register(DBAuthProbe{})
}

// IdentProbe is the svc.ident probe. It is stateless and safe for
// concurrent use.
type IdentProbe struct{}

var _ scanners.Probe = IdentProbe{}

// Info describes svc.ident to the planner: once per open TCP endpoint.
func (IdentProbe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeSvcIdent, Level: scanners.LevelEndpoint}
}

// config holds the time bounds of one identification.
type config struct {
	timeout    time.Duration // full wait for a reply the port hint predicts
	short      time.Duration // wait for a reply to a probe the port does not suggest
	bannerWait time.Duration // wait for a server-first banner
	budget     time.Duration // everything for one endpoint, hard
	greet      time.Duration // greeting wait on mail ports (greet.go)
	helo       string
	userAgent  string
}

// configFrom derives the bounds from Env: IOTimeout (default 5s) is the
// per-reply deadline; the banner wait is 30% of it, at most 1.5s; the whole
// endpoint costs at most twice IOTimeout. Settings.Svc may override both.
func configFrom(env *scanners.Env) config {
	to := env.Timeout()
	c := config{timeout: to, short: max(to/4, 250*time.Millisecond), bannerWait: min(to*3/10, 1500*time.Millisecond), budget: 2 * to}
	if d := env.Settings.Svc.BannerWait; d > 0 {
		c.bannerWait = d
	}
	if d := env.Settings.Svc.Budget; d > 0 {
		c.budget = d
	}
	c.short = min(c.short, c.timeout)
	c.greet = env.Settings.SMTP.Greet()
	c.helo = env.Settings.SMTP.HELO
	if c.helo == "" {
		c.helo = "shindan.invalid"
	}
	c.userAgent = env.Settings.HTTP.UserAgent
	if c.userAgent == "" {
		c.userAgent = "shindan"
	}
	return c
}

// run is the state of one identification.
type run struct {
	env      *scanners.Env
	t        scanners.Target
	cfg      config
	tr       *transcript
	dials    int
	lastErr  error
	unknown  []byte // first bytes seen that matched nothing
	talked   bool   // some connection was established
	received bool   // some byte arrived
	hangups  int    // exchanges the peer ended before sending a byte
	tlsTried bool   // the raw TLS hello already ran (tlsFirst)
	// firstTried names the client-first probe that ran before the banner
	// wait (clientFirst).
	firstTried string
}

// result is a positive identification.
type result struct {
	id     Ident
	method string
	banner []byte
	tls    bool
	date   time.Time
	local  time.Time
}

// Run identifies the service on t (Addr, Port, Proto tcp). It returns one
// observation; its status is non-OK only when no byte could be exchanged
// with the port at all. Cancelling ctx closes the open connection at once.
func (IdentProbe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	if t.Proto != "" && t.Proto != scanners.TCP {
		// UDP services are the reflector probes' business; nothing to say.
		return nil, nil
	}
	if !t.Addr.IsValid() || t.Port == 0 {
		return nil, fmt.Errorf("svcscan: svc.ident needs an address and a port, got %q", t.String())
	}
	t.Proto = scanners.TCP
	at := env.Clock()
	cfg := configFrom(env)
	// Defence in depth: flags and policy are checked when parsed; a value
	// that still carries a CR or LF must not become a second command.
	if err := scanners.CheckHELO(cfg.helo); err != nil {
		return nil, fmt.Errorf("svcscan: HELO name: %w", err)
	}
	if err := scanners.CheckHeaderValue(cfg.userAgent); err != nil {
		return nil, fmt.Errorf("svcscan: User-Agent: %w", err)
	}
	r := &run{env: env, t: t, cfg: cfg, tr: &transcript{}}
	res, ok := r.identifyPolitely(ctx)
	o := scanners.Observation{Probe: scanners.ProbeSvcIdent, Target: t, At: at, Status: scanners.OK}
	svc := &scanners.Service{Proto: scanners.TCP, Port: t.Port}
	switch {
	case ok:
		r.fill(svc, res)
	case r.unknownHTTP(svc):
	case len(r.unknown) > 0:
		svc.Banner, svc.Method = Printable(r.unknown, maxBanner), "banner"
	case r.talked && rServicePort(t.Port) != "":
		// rexec/rlogin/rsh wait silently for a login handshake we do not send.
		svc.Name, svc.Method = rServicePort(t.Port), "port"
	default:
		o.Status, o.Reason = r.failure()
	}
	if o.Status == scanners.OK {
		o.Data = svc
	}
	summary := "unidentified"
	if svc.Name != "" {
		summary = strings.TrimSpace(fmt.Sprintf("%s %s %s (%s)", svc.Name, svc.Product, svc.Version, svc.Method))
	} else if svc.TLS {
		summary = "tls, inner protocol unknown (" + svc.Method + ")"
	}
	o.Evidence = []scanners.Evidence{{Kind: "transcript", Summary: "svc.ident " + t.String() + ": " + summary, Data: r.tr.String()}}
	return []scanners.Observation{o}, nil
}

// unknownHTTP fills svc when the reply that matched no probe is an HTTP
// response (see httpResult): the service is an HTTP server that answered
// a question of another protocol, and the web checks must get their turn
// on it instead of the port ending without a verdict.
func (r *run) unknownHTTP(svc *scanners.Service) bool {
	res, ok := r.httpResult(r.unknown, r.env.Clock())
	if !ok {
		return false
	}
	r.tr.note("an HTTP response answered a non-HTTP probe: identified as http")
	res.method = "reply"
	r.fill(svc, res)
	return true
}

// backoff is the pause before each new identification of a service that
// accepted connections and sent nothing while it looked saturated.
var backoff = []time.Duration{time.Second, 3 * time.Second}

func backoffTotal() time.Duration {
	var d time.Duration
	for _, b := range backoff {
		d += b
	}
	return d
}

// identifyPolitely runs identify within the endpoint budget; when the
// service accepted and sent nothing although it may only be saturated (it
// hung up on us, or the scan holds other connections to that port: small
// servers stop accepting at their worker cap and leave new connections in
// the backlog), it waits and tries again with a fresh budget before the
// silence becomes the verdict. A hang-up is the stronger signal and gets
// every step of backoff; mere crowding gets one.
func (r *run) identifyPolitely(ctx context.Context) (result, bool) {
	for i := 0; ; i++ {
		actx, cancel := context.WithTimeout(ctx, r.cfg.budgetFor(r.t.Port))
		r.received = false
		hung := r.hangups
		res, ok := r.identify(actx)
		cancel()
		hungUp := r.hangups > hung
		if ok || r.received || !r.talked && !hungUp || ctx.Err() != nil || i >= len(backoff) || rServicePort(r.t.Port) != "" {
			return res, ok
		}
		open := 0
		if r.env.OpenOnPort != nil {
			open = r.env.OpenOnPort(r.t.Port)
		}
		if !hungUp && (open == 0 || i > 0) {
			return res, ok
		}
		r.tr.note(fmt.Sprintf("nothing received (%d hang-ups, %d other connections open to port %d): backing off %s", r.hangups-hung, open, r.t.Port, backoff[i]))
		r.unknown, r.firstTried, r.tlsTried = nil, "", false
		select {
		case <-ctx.Done():
			return res, ok
		case <-time.After(backoff[i]):
		}
	}
}

// failure explains why nothing could be learned.
func (r *run) failure() (scanners.Status, string) {
	switch {
	case !r.talked && r.lastErr != nil:
		return scanners.StatusOf(r.lastErr), "svcscan: could not connect: " + r.lastErr.Error()
	case !r.received && greetPorts[r.t.Port]:
		return scanners.Timeout, fmt.Sprintf("svcscan: no greeting within %s on a mail port, and no reply to any probe (%d connections, %s in all)",
			r.cfg.bannerWaitFor(r.t.Port), r.dials, r.cfg.budgetFor(r.t.Port))
	case !r.received && r.hangups > 0:
		return scanners.Timeout, fmt.Sprintf("svcscan: connected %d times; the service closed or reset %d exchanges without a byte, also after backing off %s", r.dials, r.hangups, backoffTotal())
	case !r.received:
		return scanners.Timeout, fmt.Sprintf("svcscan: connected %d times but the service sent nothing to any probe within %s", r.dials, r.cfg.budget)
	}
	return scanners.ProtocolError, "svcscan: no usable reply"
}

func (r *run) fill(svc *scanners.Service, res result) {
	svc.Name, svc.Product, svc.Version = res.id.Name, res.id.Product, res.id.Version
	svc.CPE = CPE(res.id.Product, res.id.Version)
	svc.StartTLS, svc.TLS, svc.Method = res.id.StartTLS, res.tls, res.method
	svc.Banner = Printable(res.banner, maxBanner)
	if len(res.id.Attrs) > 0 {
		svc.Attrs = res.id.Attrs
	}
	if !res.date.IsZero() {
		svc.Date = res.date.UTC().Format(time.RFC3339)
		svc.Local = res.local.UTC().Format(time.RFC3339Nano)
	}
}

func rServicePort(p uint16) string {
	switch p {
	case 512:
		return "exec"
	case 513:
		return "login"
	case 514:
		return "shell"
	}
	return ""
}

// dial opens a connection through the scope guard, retrying timeouts
// Env.Retries times on the first connection only.
func (r *run) dial(ctx context.Context) (*session, error) {
	tries := 1
	if !r.talked {
		tries += max(r.env.Retries, 0)
	}
	var err error
	for i := 0; i < tries; i++ {
		c, derr := r.env.DialContext(ctx, "tcp", r.t.HostPort())
		if err = derr; err == nil {
			r.talked = true
			r.dials++
			s := newSession(ctx, c, r.tr, r.cfg.timeout)
			s.hangups = &r.hangups
			return s, nil
		}
		r.lastErr = err
		if hungUp(err) {
			r.hangups++ // reset during the handshake: a full backlog
		}
		if scanners.StatusOf(err) != scanners.Timeout || ctx.Err() != nil {
			break
		}
	}
	return nil, err
}

// identify listens for a banner, then walks the protocol probes.
func (r *run) identify(ctx context.Context) (result, bool) {
	if res, ok, done := r.tlsFirst(ctx); done {
		return res, ok
	}
	if res, ok := r.clientFirst(ctx); ok {
		return res, ok
	}
	s, err := r.dial(ctx)
	if err != nil {
		return result{}, false
	}
	b, err := s.recv(r.cfg.bannerWaitFor(r.t.Port), bannerDone)
	local := r.env.Clock()
	if len(b) > 0 {
		r.received = true
		res, ok := r.fromBanner(s, b, local)
		s.close()
		if !ok {
			r.unknown = b
		}
		return res, ok
	}
	s.close()
	if err != nil && !isTimeout(err) {
		r.lastErr = err
	}
	for _, p := range probeOrder(r.t.Port) {
		if ctx.Err() != nil {
			break
		}
		if p.name == "tls" && r.tlsTried || p.name == r.firstTried {
			continue
		}
		s, err := r.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			continue
		}
		wait := r.cfg.short
		if slices.Contains(hints[r.t.Port], p.name) {
			wait = r.cfg.timeout
		}
		r.tr.note("probe " + p.name)
		res, ok := p.fn(r, s, wait)
		if s.got > 0 {
			r.received = true
		}
		s.close()
		if ok {
			if res.method == "" {
				res.method = "probe:" + p.name
			}
			return res, true
		}
	}
	return result{}, false
}

// bannerDone ends the banner wait: a full line (the whole reply when it is
// a "220-" multiline greeting), a Telnet negotiation, or a whole MySQL
// packet.
func bannerDone(b []byte) bool {
	if greetingPending(b) {
		return false
	}
	if lineDone(b) || (b[0] == iac && len(b) >= 3) {
		return true
	}
	return len(b) > 4 && b[3] == 0 && mysqlDone(b)
}

// hostName is the name for SNI and Host, or the address literal.
func (r *run) hostName() string {
	if r.t.Name != "" {
		if _, err := netip.ParseAddr(r.t.Name); err != nil {
			return r.t.Name
		}
	}
	if r.t.Addr.Is6() {
		return "[" + r.t.Addr.String() + "]"
	}
	return r.t.Addr.String()
}

func (r *run) hostHeader() string {
	h := r.hostName()
	if r.t.Port != 80 && r.t.Port != 443 {
		h += ":" + strconv.Itoa(int(r.t.Port))
	}
	return h
}

// clientFirstProtocols are the hinted protocols whose servers send
// nothing until asked (TLS has its own path, tlsFirst).
var clientFirstProtocols = []string{"http", "dns", "redis", "memcached", "mongodb", "postgresql", "ldap", "smb", "rdp"}

// clientFirst runs the port's hinted probe at once where the client
// speaks first (HTTP, DNS, Redis, ...): such a server sends nothing until
// asked, so the banner wait would only cost its full length. Only when
// the probe does not identify the port does the usual banner wait follow,
// so a server-first service on such a port is still named by its banner.
func (r *run) clientFirst(ctx context.Context) (result, bool) {
	h := hints[r.t.Port]
	if len(h) == 0 || !slices.Contains(clientFirstProtocols, h[0]) || ctx.Err() != nil {
		return result{}, false
	}
	for _, p := range probes {
		if p.name != h[0] {
			continue
		}
		r.firstTried = p.name
		s, err := r.dial(ctx)
		if err != nil {
			return result{}, false
		}
		r.tr.note("probe " + p.name + " (client speaks first)")
		res, ok := p.fn(r, s, r.cfg.timeout)
		if s.got > 0 {
			r.received = true
		}
		s.close()
		if ok && res.method == "" {
			res.method = "probe:" + p.name
		}
		return res, ok
	}
	return result{}, false
}
