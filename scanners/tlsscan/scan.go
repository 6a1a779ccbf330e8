package tlsscan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"shindan/scanners"
)

// Config says what to scan and how hard.
type Config struct {
	Addr     string // "host:port"
	SNI      string // server name; "" sends none and matches the certificate against the address
	StartTLS string // "", smtp, imap, pop3, ftp
	HELO     string // SMTP EHLO name
	Dial     Dialer
	Timeout  time.Duration // per connection: dial plus the server's first flight; 0 = 5s
	Parallel int           // connections at once to this endpoint; 0 = 6
	MaxConns int           // connection budget; 0 = 1000
	// ChunkSize is the number of suites per ClientHello (pitfalls §4.2:
	// short hellos for intolerant servers); 0 = 64.
	ChunkSize  int
	RootCAs    *x509.CertPool // nil = system roots
	TrustStore string         // how RootCAs was built, for the evidence
	Now        time.Time      // certificate validity reference; zero = time.Now()
}

// scanner is one endpoint's scan. Handshakes run in parallel (sem bounds
// them), so everything they tally is behind mu or atomic; conns counts
// dials against Config.MaxConns.
type scanner struct {
	cfg   Config
	sem   chan struct{}
	conns atomic.Int64

	// accepted counts ServerHellos (and HelloRetryRequests) received:
	// without one, nothing the scan saw is a verdict (issue 13).
	accepted atomic.Int64

	mu      sync.Mutex
	refusal map[string]int  // how hellos were refused: "reset", "closed", "alert handshake_failure"
	short   map[uint16]bool // protocols whose server resets long hellos
	errs    []string
	flight  map[uint16]*flight // first full flight with a certificate, per protocol
	reneg   map[uint16]bool    // protocol → some ServerHello lacked renegotiation_info
	kx      map[uint16]*KeyExchange
	// groups13 are the TLS 1.3 key-share groups the server accepted.
	groups13 []uint16
}

// outcome classifies a handshake that produced no ServerHello.
type outcome int

const (
	accepted outcome = iota
	refused          // alert, close or reset: a clean "no"
	failed           // timeout, dial error, garbage: undecided
)

// errBudget stops a scan that has used its connections: enumeration is
// one connection per suite and protocol (pitfalls §4.3), and a server
// that answers every hello oddly must not cost unbounded connections.
var errBudget = errors.New("tlsscan: connection budget exhausted")

// classify tells a server's "no" from a failure to ask. An alert, a close
// or a reset right after our hello is how servers refuse a version or
// suite; a timeout or a dial error says nothing about the server's
// configuration and must not be counted as a refusal (that would read as
// "not supported", a pass for old protocols).
func classify(err error) outcome {
	var ae *AlertError
	switch {
	case err == nil:
		return accepted
	case errors.As(err, &ae):
		return refused
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return refused
	}
	return failed
}

// conn dials, runs the STARTTLS prelude and sets the connection deadline.
func (s *scanner) conn(ctx context.Context) (net.Conn, error) {
	if int(s.conns.Add(1)) > s.cfg.MaxConns {
		return nil, errBudget
	}
	dctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	c, err := s.cfg.Dial(dctx, "tcp", s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	if s.cfg.StartTLS != "" {
		if err := starttls(c, s.cfg.StartTLS, s.cfg.HELO, s.cfg.Timeout); err != nil {
			c.Close()
			return nil, fmt.Errorf("starttls: %w", err)
		}
	}
	_ = c.SetDeadline(time.Now().Add(s.cfg.Timeout))
	// Cancelling ctx unblocks reads at once.
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	return &stopConn{Conn: c, stop: stop}, nil
}

// stopConn unregisters the cancel hook on Close, so the hook of a closed
// connection neither runs nor stays registered on the scan's context.
type stopConn struct {
	net.Conn
	stop func() bool
}

// Close unregisters the hook, then closes the connection.
func (c *stopConn) Close() error { c.stop(); return c.Conn.Close() }

// handshake sends h and reads the server's first flight. after, when set,
// runs on the open connection once the flight is read.
func (s *scanner) handshake(ctx context.Context, h *hello, after func(net.Conn, *recordReader, *flight) error) (*flight, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.sem }()
	c, err := s.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if _, err := c.Write(h.marshal()); err != nil {
		return nil, err
	}
	rr := newRecordReader(c)
	f, err := readFlight(rr, h.version < VersionTLS13)
	if f != nil && f.Hello != nil {
		s.accepted.Add(1)
	}
	if err != nil {
		s.noteRefusal(err)
		return f, err
	}
	if f.Hello == nil {
		return f, errMalformed
	}
	if after != nil {
		return f, after(c, rr, f)
	}
	return f, nil
}

// refusalKind names how a hello was turned down, for the tally.
func refusalKind(err error) string {
	var ae *AlertError
	switch {
	case errors.As(err, &ae):
		return "alert " + alertName(ae.Desc)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "closed"
	}
	return ""
}

// noteRefusal tallies how the server refuses, for the evidence and for
// onlyAlerts; failures that are not refusals are not counted.
func (s *scanner) noteRefusal(err error) {
	k := refusalKind(err)
	if k == "" {
		return
	}
	s.mu.Lock()
	s.refusal[k]++
	s.mu.Unlock()
}

// refusals describes the tally: "12 reset, 3 alert handshake_failure".
func (s *scanner) refusals() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ks []string
	for k := range s.refusal {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%d %s", s.refusal[k], k))
	}
	return strings.Join(parts, ", ")
}

// onlyAlerts reports whether every refusal was an alert whose name is in
// names.
func (s *scanner) onlyAlerts(names ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.refusal) == 0 {
		return false
	}
	for k := range s.refusal {
		if !slices.Contains(names, strings.TrimPrefix(k, "alert ")) || !strings.HasPrefix(k, "alert ") {
			return false
		}
	}
	return true
}

// isShort reports whether v's server answered only short hellos.
func (s *scanner) isShort(v uint16) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.short[v]
}

// noteErr keeps the first 50 errors for the report: a server failing
// every handshake must not make the evidence grow with MaxConns.
func (s *scanner) noteErr(what string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) < 50 {
		s.errs = append(s.errs, what+": "+err.Error())
	}
}

// baseHello returns a hello for version v offering suites. It asks for no
// OCSP staple: some stacks (wolfSSL builds) drop every hello that does;
// stapling is asked for once, in ocspProbe. For a protocol whose server
// resets long hellos the hello is short.
func (s *scanner) baseHello(v uint16, suites []uint16) *hello {
	h := &hello{version: v, suites: suites, sni: s.cfg.SNI, renegInfo: true}
	if v == VersionSSL30 {
		h.noExts, h.renegInfo = true, false
	}
	if v >= VersionTLS13 {
		h.keyShares = []uint16{0x001D, 0x0017}
		h.renegInfo = false
	}
	if s.isShort(v) {
		h.shorten()
	}
	return h
}

// pick is one accepted suite with the key exchange the server used for
// it (group and size, from ServerKeyExchange or the key share).
type pick struct {
	suite uint16
	kx    *KeyExchange
}

// protoResult is the enumeration of one protocol.
type protoResult struct {
	version uint16
	picks   []pick // in the order found
	err     error  // first undecided handshake
	order   string
	chunks  int
	// intolerant: only short hellos were answered at this version.
	intolerant bool
}

// enumerate finds every suite of codes the server accepts at version v:
// offer a chunk, remove the suite chosen, repeat until the server refuses.
// Chunks run in parallel. When nothing was accepted and some hello was
// reset or closed rather than refused with an alert, the server may be
// intolerant of long hellos or unknown codes: shortRetry asks again.
func (s *scanner) enumerate(ctx context.Context, v uint16, codes []uint16) *protoResult {
	res := &protoResult{version: v}
	var mu sync.Mutex
	var wg sync.WaitGroup
	dropped := false
	for chunk := range slices.Chunk(codes, s.cfg.ChunkSize) {
		res.chunks++
		wg.Add(1)
		go func() {
			defer wg.Done()
			picks, _, drop, err := s.removal(ctx, v, slices.Clone(chunk))
			mu.Lock()
			defer mu.Unlock()
			res.picks = append(res.picks, picks...)
			dropped = dropped || drop
			if err != nil && res.err == nil {
				res.err = err
			}
		}()
	}
	wg.Wait()
	if len(res.picks) == 0 && dropped && v != VersionSSL30 {
		s.shortRetry(ctx, v, res)
	}
	return res
}

// removal offers left, records the suite the server picks, removes it and
// offers the rest again until the server refuses. dropped reports that the
// last refusal was a reset or close rather than an alert; err is set only
// for an undecided handshake (timeout, garbage, a suite not offered).
func (s *scanner) removal(ctx context.Context, v uint16, left []uint16) (picks []pick, rest []uint16, dropped bool, err error) {
	for len(left) > 0 {
		f, herr := s.handshake(ctx, s.baseHello(v, left), nil)
		if herr != nil {
			switch classify(herr) {
			case failed:
				s.noteErr(ProtocolName(v), herr)
				return picks, left, false, herr
			default:
				var ae *AlertError
				return picks, left, !errors.As(herr, &ae), nil
			}
		}
		sh := f.Hello
		if sh.Version != v {
			return picks, left, false, nil // the server negotiated another version: v is not supported
		}
		i := slices.Index(left, sh.Suite)
		if i < 0 {
			return picks, left, false, fmt.Errorf("tlsscan: server chose suite 0x%04X it was not offered", sh.Suite)
		}
		left = slices.Delete(left, i, i+1)
		p := pick{suite: sh.Suite}
		if len(f.KeyExchange) > 0 {
			p.kx, _ = parseServerKeyExchange(f.KeyExchange, LookupSuite(sh.Suite).Kx)
		}
		if v >= VersionTLS13 {
			p.kx = &KeyExchange{Kind: "TLS13", Group: sh.KeyShare, Bits: ecGroupBits(sh.KeyShare)}
		}
		s.record(v, f)
		picks = append(picks, p)
	}
	return picks, nil, false, nil
}

// shortChunk is the number of suites in one hello to an intolerant server.
const shortChunk = 16

// shortRetry asks again at v with short hellos of well-known suites. If
// one is accepted the server is intolerant: every later hello at v is
// short, and the policy's other suites for v are offered in short chunks.
// A hello the server resets is split in halves (down to single codes),
// since one code it does not know may be what it resets on.
func (s *scanner) shortRetry(ctx context.Context, v uint16, res *protoResult) {
	known := tls13
	if v < VersionTLS13 {
		known = suitesFor(v, wellKnown)
	}
	s.mu.Lock()
	s.short[v] = true
	s.mu.Unlock()
	var picks []pick
	var firstErr error
	var split func(codes []uint16)
	split = func(codes []uint16) {
		got, rest, dropped, err := s.removal(ctx, v, codes)
		picks = append(picks, got...)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if dropped && len(rest) > 1 && ctx.Err() == nil {
			split(slices.Clone(rest[:len(rest)/2]))
			split(slices.Clone(rest[len(rest)/2:]))
		}
	}
	split(slices.Clone(known))
	if len(picks) == 0 {
		s.mu.Lock()
		s.short[v] = false
		s.mu.Unlock()
		if firstErr != nil && res.err == nil {
			res.err = firstErr
		}
		return
	}
	res.intolerant = true
	if v < VersionTLS13 { // tls13 already holds every TLS 1.3 suite
		var others []uint16
		for _, c := range legacyNamed() {
			if !slices.Contains(known, c) && LookupSuite(c).protos&versionMask(v) != 0 {
				others = append(others, c)
			}
		}
		for chunk := range slices.Chunk(others, shortChunk) {
			split(slices.Clone(chunk))
		}
	}
	res.picks = append(res.picks, picks...)
	if firstErr != nil && res.err == nil {
		res.err = firstErr
	}
}

// suitesFor keeps the codes that exist at protocol v.
func suitesFor(v uint16, codes []uint16) []uint16 {
	var out []uint16
	for _, c := range codes {
		if LookupSuite(c).protos&versionMask(v) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// versionMask is v's bit in Suite.protos: a suite is offered only in the
// protocols that define it (the GCM suites only in TLS 1.2, the TLS 1.3
// suites only in TLS 1.3), so every answer is about a suite the server
// could really negotiate at that version.
func versionMask(v uint16) int {
	switch v {
	case VersionSSL30:
		return maskSSL30
	case VersionTLS10:
		return maskTLS10
	case VersionTLS11:
		return maskTLS11
	case VersionTLS12:
		return maskTLS12
	case VersionTLS13:
		return maskTLS13
	}
	return 0
}

// record keeps what later steps need from an accepted flight.
func (s *scanner) record(v uint16, f *flight) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(f.Certs) > 0 && s.flight[v] == nil {
		s.flight[v] = f
	} else if s.flight[v] != nil && len(f.OCSP) > 0 && len(s.flight[v].OCSP) == 0 && len(f.Certs) > 0 {
		s.flight[v] = f
	}
	if v >= VersionTLS10 && v <= VersionTLS12 {
		if _, ok := f.Hello.Extensions[extRenegotiationInfo]; !ok {
			s.reneg[v] = true
		} else if _, seen := s.reneg[v]; !seen {
			s.reneg[v] = false
		}
	}
}

// serverOrder decides whether the server enforces its preference, and if
// so returns the accepted suites in its order.
func (s *scanner) serverOrder(ctx context.Context, res *protoResult) {
	if len(res.picks) < 2 {
		return
	}
	codes := make([]uint16, 0, len(res.picks))
	for _, p := range res.picks {
		codes = append(codes, p.suite)
	}
	n := min(len(codes), s.cfg.ChunkSize)
	fwd := codes[:n]
	rev := slices.Clone(fwd)
	slices.Reverse(rev)
	var f1, f2 *flight
	var e1, e2 error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); f1, e1 = s.handshake(ctx, s.baseHello(res.version, fwd), nil) }()
	go func() { defer wg.Done(); f2, e2 = s.handshake(ctx, s.baseHello(res.version, rev), nil) }()
	wg.Wait()
	if e1 != nil || e2 != nil {
		return
	}
	if f1.Hello.Suite != f2.Hello.Suite {
		res.order = "client"
		return
	}
	res.order = "server"
	if res.chunks == 1 {
		return // one chunk: the picks already came in the server's order
	}
	// Several chunks: replay the loop over the accepted suites.
	left := slices.Clone(codes)
	var ordered []uint16
	for len(left) > 0 {
		offer := left[:min(len(left), s.cfg.ChunkSize)]
		f, err := s.handshake(ctx, s.baseHello(res.version, offer), nil)
		if err != nil || f.Hello.Version != res.version {
			break
		}
		i := slices.Index(left, f.Hello.Suite)
		if i < 0 {
			break
		}
		ordered = append(ordered, left[i])
		left = slices.Delete(left, i, i+1)
	}
	ordered = append(ordered, left...)
	byCode := map[uint16]pick{}
	for _, p := range res.picks {
		byCode[p.suite] = p
	}
	res.picks = res.picks[:0]
	for _, c := range ordered {
		res.picks = append(res.picks, byCode[c])
	}
}

// groups enumerates supported groups: ECDHE curves through the
// ServerKeyExchange at TLS ≤ 1.2, or key-share groups (ServerHello or
// HelloRetryRequest) at TLS 1.3.
func (s *scanner) groups(ctx context.Context, v uint16, suites []uint16) []uint16 {
	left := offeredGroups()
	var out []uint16
	for len(left) > 0 && len(out) < 40 {
		h := s.baseHello(v, suites)
		h.groups = left
		if v >= VersionTLS13 {
			h.keyShares = nil
			for _, g := range []uint16{0x001D, 0x0017} {
				if slices.Contains(left, g) {
					h.keyShares = append(h.keyShares, g)
				}
			}
		}
		f, err := s.handshake(ctx, h, nil)
		if err != nil {
			if classify(err) == failed {
				s.noteErr("groups "+ProtocolName(v), err)
			}
			break
		}
		var g uint16
		if v >= VersionTLS13 {
			g = f.Hello.KeyShare
		} else if kx, err := parseServerKeyExchange(f.KeyExchange, "ECDHE"); err == nil {
			g = kx.Group
		}
		i := slices.Index(left, g)
		if g == 0 || i < 0 {
			break
		}
		out = append(out, g)
		left = slices.Delete(left, i, i+1)
	}
	return out
}

// Scan enumerates the endpoint. It returns an error only when not a
// single connection could be made (the endpoint is not testable).
func Scan(ctx context.Context, cfg Config) (*scanners.TLSScan, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 6
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 1000
	}
	if cfg.ChunkSize <= 0 || cfg.ChunkSize > 128 {
		cfg.ChunkSize = 64
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	if cfg.Dial == nil {
		var d net.Dialer
		cfg.Dial = d.DialContext
	}
	if cfg.TrustStore == "" {
		cfg.TrustStore = "system"
	}
	tables()
	s := &scanner{cfg: cfg, sem: make(chan struct{}, cfg.Parallel), flight: map[uint16]*flight{},
		reneg: map[uint16]bool{}, kx: map[uint16]*KeyExchange{}, refusal: map[string]int{}, short: map[uint16]bool{}}
	out := &scanners.TLSScan{Mode: "implicit", StartTLS: cfg.StartTLS, SNI: cfg.SNI}
	if cfg.StartTLS != "" {
		out.Mode = "starttls"
	}

	// Reachability and the STARTTLS prelude first, so a dead endpoint costs
	// one connection, not hundreds.
	_, perr := s.handshake(ctx, s.baseHello(VersionTLS12, slices.Concat(legacy[:min(len(legacy), cfg.ChunkSize)])), nil)
	if perr != nil && classify(perr) == failed {
		out.Connections = int(s.conns.Load())
		return out, perr
	}

	versions := []uint16{VersionSSL30, VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13}
	results := make([]*protoResult, len(versions))
	var sslv2 scanners.TLSProtocol
	var wg sync.WaitGroup
	for i, v := range versions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes := legacy
			if v == VersionTLS13 {
				codes = tls13
			}
			results[i] = s.enumerate(ctx, v, codes)
			s.serverOrder(ctx, results[i])
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); sslv2 = s.sslv2(ctx) }()
	wg.Wait()

	out.Protocols = append(out.Protocols, sslv2)
	if s.accepted.Load() == 0 && sslv2.Status != "supported" {
		// Not one ServerHello: "not supported" everywhere would be a
		// verdict drawn from nothing (an IPS, a rate limit, a server that
		// wants a name). The caller turns this into error findings.
		for _, r := range results {
			st, reason := "error", "no handshake completed"
			if r.err != nil {
				reason += ": " + r.err.Error()
			}
			out.Protocols = append(out.Protocols, scanners.TLSProtocol{Name: ProtocolName(r.version), Status: st, Reason: reason})
		}
		out.Connections = int(s.conns.Load())
		out.Errors = s.errs
		return out, s.noHandshake()
	}
	supported := map[uint16]*protoResult{}
	for _, r := range results {
		p := scanners.TLSProtocol{Name: ProtocolName(r.version), ServerOrder: r.order}
		switch {
		case len(r.picks) > 0:
			p.Status = "supported"
			supported[r.version] = r
			for _, pk := range r.picks {
				su := LookupSuite(pk.suite)
				ts := scanners.TLSSuite{Code: fmt.Sprintf("0x%04X", su.Code), Name: su.Name, OpenSSL: su.OpenSSL, Kx: su.Kx}
				if pk.kx != nil {
					ts.KxBits = pk.kx.Bits
					if pk.kx.Group != 0 {
						ts.KxGroup = GroupName(pk.kx.Group)
					}
					if pk.kx.Kind == "DHE" && pk.kx.Bits > 0 && (out.DHBits == 0 || pk.kx.Bits < out.DHBits) {
						out.DHBits = pk.kx.Bits
					}
				}
				p.Suites = append(p.Suites, ts)
			}
			if r.err != nil {
				p.Reason = "some handshakes failed, the suite list may be incomplete: " + r.err.Error()
			}
			if r.intolerant {
				p.Reason = strings.TrimPrefix(p.Reason+"; ", "; ") + "the server resets long hellos: suites found with short hellos of known suites"
			}
		case r.err != nil:
			p.Status, p.Reason = "error", r.err.Error()
		default:
			p.Status = "not-supported"
		}
		out.Protocols = append(out.Protocols, p)
	}

	// Groups: TLS 1.3 key shares and TLS ≤ 1.2 ECDHE curves.
	var gs []uint16
	if r := supported[VersionTLS13]; r != nil {
		gs = append(gs, s.groups(ctx, VersionTLS13, tls13)...)
		s.groups13 = slices.Clone(gs)
	}
	for _, v := range []uint16{VersionTLS12, VersionTLS11, VersionTLS10} {
		r := supported[v]
		if r == nil {
			continue
		}
		var ec []uint16
		for _, p := range r.picks {
			if k := LookupSuite(p.suite).Kx; k == "ECDHE" || (k == "" && p.kx != nil && p.kx.Kind == "ECDHE") {
				ec = append(ec, p.suite)
			}
		}
		if len(ec) > 0 {
			for _, g := range s.groups(ctx, v, ec[:min(len(ec), cfg.ChunkSize)]) {
				if !slices.Contains(gs, g) {
					gs = append(gs, g)
				}
			}
			break
		}
	}
	for _, g := range gs {
		out.Groups = append(out.Groups, scanners.TLSGroup{Code: fmt.Sprintf("0x%04X", g), Name: GroupName(g), Bits: ecGroupBits(g)})
	}

	s.certificate(ctx, out, supported)
	s.vulns(ctx, out, supported)
	out.Connections = int(s.conns.Load())
	out.Errors = s.errs
	return out, nil
}

// highestLegacy is the newest supported protocol below TLS 1.3: the
// Heartbleed and compression tests need a TLS ≤ 1.2 handshake (TLS 1.3
// has neither), and the newest is the one clients actually get.
func highestLegacy(supported map[uint16]*protoResult) *protoResult {
	for _, v := range []uint16{VersionTLS12, VersionTLS11, VersionTLS10, VersionSSL30} {
		if r := supported[v]; r != nil {
			return r
		}
	}
	return nil
}

// codesOf returns up to n suites the server already accepted at r's
// version, so a test hello is refused only for what it tests, never for
// its suites.
func codesOf(r *protoResult, n int) []uint16 {
	var out []uint16
	for _, p := range r.picks {
		if len(out) == n {
			break
		}
		out = append(out, p.suite)
	}
	return out
}

// certificate fills the chain from a TLS ≤ 1.2 flight, or from a crypto/tls
// handshake when only TLS 1.3 is spoken.
func (s *scanner) certificate(ctx context.Context, out *scanners.TLSScan, supported map[uint16]*protoResult) {
	name := hostForName(s.cfg.SNI, s.cfg.Addr)
	for _, v := range []uint16{VersionTLS12, VersionTLS11, VersionTLS10, VersionSSL30} {
		f := s.flight[v]
		if f == nil {
			continue
		}
		out.Certificate = summarizeChain(f.Certs, name, s.cfg.RootCAs, s.cfg.TrustStore, s.cfg.Now)
		out.Certificate.OCSPStapled = len(f.OCSP) > 0 || s.ocspProbe(ctx, supported[v])
		out.Certificate.Protocol = ProtocolName(v)
		if supported[VersionTLS13] == nil || out.Certificate.OCSPStapled {
			return
		}
		break
	}
	if supported[VersionTLS13] == nil {
		return
	}
	// TLS 1.3 encrypts the Certificate message: decrypt it with our own
	// key share (asking for a staple, then without for stacks that drop
	// such hellos), crypto/tls only for what that reader lacks (x448).
	suites13 := codesOf(supported[VersionTLS13], len(tls13))
	ders, staple, err := s.tls13Chain(ctx, s.groups13, suites13, true)
	if err != nil && !errors.Is(err, errNoTLS13Reader) {
		ders, staple, err = s.tls13Chain(ctx, s.groups13, suites13, false)
	}
	if err == nil {
		if out.Certificate != nil {
			out.Certificate.OCSPStapled = len(staple) > 0
			return
		}
		out.Certificate = summarizeChain(ders, name, s.cfg.RootCAs, s.cfg.TrustStore, s.cfg.Now)
		out.Certificate.OCSPStapled = len(staple) > 0
		out.Certificate.Protocol = "TLS1.3"
		return
	}
	s.noteErr("certificate (TLS1.3 key share)", err)
	c, err := s.conn(ctx)
	if err != nil {
		s.noteErr("certificate", err)
		return
	}
	defer c.Close()
	tc := tls.Client(c, &tls.Config{ServerName: s.cfg.SNI, InsecureSkipVerify: true, MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13})
	if err := tc.HandshakeContext(ctx); err != nil {
		s.noteErr("certificate (TLS1.3)", err)
		return
	}
	defer tc.Close()
	st := tc.ConnectionState()
	ders = nil
	for _, pc := range st.PeerCertificates {
		ders = append(ders, pc.Raw)
	}
	if out.Certificate != nil && len(st.OCSPResponse) > 0 {
		out.Certificate.OCSPStapled = true
		return
	}
	if out.Certificate == nil {
		out.Certificate = summarizeChain(ders, name, s.cfg.RootCAs, s.cfg.TrustStore, s.cfg.Now)
		out.Certificate.OCSPStapled = len(st.OCSPResponse) > 0
		out.Certificate.Protocol = "TLS1.3"
	}
}

// vulns runs the Heartbleed, renegotiation, compression and fallback probes.
func (s *scanner) vulns(ctx context.Context, out *scanners.TLSScan, supported map[uint16]*protoResult) {
	hi := highestLegacy(supported)
	na := scanners.TLSVuln{Status: "not-applicable", Detail: "no protocol below TLS 1.3 is supported"}
	if hi == nil {
		out.Vulns = scanners.TLSVulns{Heartbleed: na, SecureRenegotiation: na, Compression: na}
	}
	var wg sync.WaitGroup
	if hi != nil {
		suites := codesOf(hi, s.cfg.ChunkSize)
		wg.Add(2)
		go func() { defer wg.Done(); out.Vulns.Heartbleed = s.heartbleed(ctx, hi.version, suites) }()
		go func() { defer wg.Done(); out.Vulns.Compression = s.compression(ctx, hi.version, suites) }()
		// Renegotiation: every TLS ≤ 1.2 ServerHello seen must carry
		// renegotiation_info (RFC 5746 §3.6).
		out.Vulns.SecureRenegotiation = scanners.TLSVuln{Status: "not-applicable", Detail: "only SSL 3.0 below TLS 1.3 (no extensions)"}
		for _, v := range []uint16{VersionTLS12, VersionTLS11, VersionTLS10} {
			if insecure, ok := s.reneg[v]; ok {
				if insecure {
					out.Vulns.SecureRenegotiation = scanners.TLSVuln{Status: "vulnerable", Detail: ProtocolName(v) + ": ServerHello lacks the renegotiation_info extension (RFC 5746)"}
					break
				}
				out.Vulns.SecureRenegotiation = scanners.TLSVuln{Status: "not-vulnerable", Detail: "renegotiation_info present in every ServerHello"}
			}
		}
	}
	// Fallback SCSV: the second-highest protocol with TLS_FALLBACK_SCSV must
	// be refused with inappropriate_fallback (RFC 7507).
	var vs []uint16
	for _, v := range []uint16{VersionTLS13, VersionTLS12, VersionTLS11, VersionTLS10, VersionSSL30} {
		if supported[v] != nil {
			vs = append(vs, v)
		}
	}
	if len(vs) < 2 {
		out.Vulns.FallbackSCSV = scanners.TLSVuln{Status: "not-applicable", Detail: "only one protocol version is supported"}
	} else {
		lo := supported[vs[1]]
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := s.baseHello(lo.version, append(codesOf(lo, s.cfg.ChunkSize-1), scsvFallback))
			f, err := s.handshake(ctx, h, nil)
			var ae *AlertError
			switch {
			case err == nil && f.Hello.Version == lo.version:
				out.Vulns.FallbackSCSV = scanners.TLSVuln{Status: "vulnerable", Detail: fmt.Sprintf("%s accepted with TLS_FALLBACK_SCSV although %s is supported", ProtocolName(lo.version), ProtocolName(vs[0]))}
			case err == nil:
				out.Vulns.FallbackSCSV = scanners.TLSVuln{Status: "error", Detail: fmt.Sprintf("server answered %s to a %s hello", ProtocolName(f.Hello.Version), ProtocolName(lo.version))}
			case errors.As(err, &ae) && ae.Desc == 86:
				out.Vulns.FallbackSCSV = scanners.TLSVuln{Status: "not-vulnerable", Detail: "inappropriate_fallback alert to a " + ProtocolName(lo.version) + " hello with TLS_FALLBACK_SCSV"}
			case errors.As(err, &ae):
				// Some stacks answer handshake_failure; the downgrade is
				// refused either way.
				out.Vulns.FallbackSCSV = scanners.TLSVuln{Status: "not-vulnerable", Detail: "refused with " + alertName(ae.Desc) + " (not the RFC 7507 alert)"}
			case classify(err) == refused:
				// The same hello without the SCSV was accepted during
				// enumeration; closing on it once the SCSV is added is the
				// server refusing the downgrade, without the RFC's alert.
				out.Vulns.FallbackSCSV = scanners.TLSVuln{Status: "not-vulnerable", Detail: fmt.Sprintf("connection %s after a %s hello with TLS_FALLBACK_SCSV that was accepted without it (downgrade refused, no inappropriate_fallback alert)", refusalKind(err), ProtocolName(lo.version))}
			default:
				out.Vulns.FallbackSCSV = scanners.TLSVuln{Status: "error", Detail: err.Error()}
			}
		}()
	}
	wg.Wait()
}

// heartbleed sends, after the server's first flight, a HeartbeatRequest
// whose payload_length (16) exceeds the payload it carries (none). RFC
// 6520 §4 says such a message MUST be discarded silently; CVE-2014-0160
// servers answer it with their own memory. Only the reply's length is
// kept: its bytes may be another user's secrets.
func (s *scanner) heartbleed(ctx context.Context, v uint16, suites []uint16) scanners.TLSVuln {
	h := s.baseHello(v, suites)
	h.heartbeat = v != VersionSSL30
	if !h.heartbeat {
		return scanners.TLSVuln{Status: "not-applicable", Detail: "SSL 3.0 has no extensions"}
	}
	var got int
	f, err := s.handshake(ctx, h, func(c net.Conn, rr *recordReader, f *flight) error {
		if _, ok := f.Hello.Extensions[extHeartbeat]; !ok || !f.Done {
			return nil
		}
		if _, err := c.Write(heartbeatRequest(v)); err != nil {
			return err
		}
		for {
			typ, _, payload, err := rr.next()
			if err != nil {
				return nil // silence, close or alert: the request was dropped
			}
			if typ == recHeartbeat {
				got = len(payload) // the content is server memory: only its length is kept
				return nil
			}
			if typ == recAlert {
				return nil
			}
		}
	})
	if err != nil {
		return scanners.TLSVuln{Status: "error", Detail: err.Error()}
	}
	if _, ok := f.Hello.Extensions[extHeartbeat]; !ok {
		return scanners.TLSVuln{Status: "not-vulnerable", Detail: "heartbeat extension not negotiated"}
	}
	if got > 0 {
		return scanners.TLSVuln{Status: "vulnerable", Detail: fmt.Sprintf("heartbeat response of %d bytes to a request that carried no payload but declared 16 bytes (CVE-2014-0160)", got)}
	}
	return scanners.TLSVuln{Status: "not-vulnerable", Detail: "heartbeat negotiated, malformed request not answered"}
}

// compression offers DEFLATE (method 1, RFC 3749) beside null: a server
// that chooses it compresses secrets together with attacker-chosen data,
// the CRIME attack (CVE-2012-4929).
func (s *scanner) compression(ctx context.Context, v uint16, suites []uint16) scanners.TLSVuln {
	h := s.baseHello(v, suites)
	h.compression = true
	f, err := s.handshake(ctx, h, nil)
	if err != nil {
		return scanners.TLSVuln{Status: "error", Detail: err.Error()}
	}
	if f.Hello.Compression != 0 {
		return scanners.TLSVuln{Status: "vulnerable", Detail: fmt.Sprintf("server chose compression method %d (DEFLATE) in %s (CRIME)", f.Hello.Compression, ProtocolName(f.Hello.Version))}
	}
	return scanners.TLSVuln{Status: "not-vulnerable", Detail: "DEFLATE offered, null compression chosen"}
}

// sslv2 sends one SSLv2 CLIENT-HELLO with every SSLv2 kind.
func (s *scanner) sslv2(ctx context.Context) scanners.TLSProtocol {
	p := scanners.TLSProtocol{Name: "SSL2.0"}
	sh, err := func() (*SSLv2ServerHello, error) {
		select {
		case s.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		defer func() { <-s.sem }()
		c, err := s.conn(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		if _, err := c.Write(sslv2Hello()); err != nil {
			return nil, err
		}
		return readSSLv2ServerHello(newRecordReader(c))
	}()
	switch {
	case err == nil:
		p.Status = "supported"
		for _, c := range sh.Ciphers {
			name := fmt.Sprintf("0x%06X", c)
			for _, k := range sslv2Suites {
				if k.Code == c {
					name = k.Name
				}
			}
			p.Suites = append(p.Suites, scanners.TLSSuite{Code: fmt.Sprintf("0x%06X", c), Name: name})
		}
		if len(p.Suites) == 0 {
			p.Status = "not-supported"
			p.Reason = "SSLv2 SERVER-HELLO with no common cipher"
		}
	case errors.Is(err, errSSLv2AnsweredTLS), classify(err) == refused:
		p.Status = "not-supported"
	default:
		p.Status, p.Reason = "error", err.Error()
		s.noteErr("SSL2.0", err)
	}
	return p
}

// ErrNoHandshake marks a TLS endpoint that refused every hello.
var ErrNoHandshake = errors.New("tlsscan: no handshake completed")

// ErrSNIRequired marks a server that refuses every hello without a server
// name: it can be graded only when scanned by name.
var ErrSNIRequired = errors.New("tlsscan: the server requires SNI")

// noHandshake explains a scan in which not one hello was answered with a
// ServerHello.
func (s *scanner) noHandshake() error {
	n := s.conns.Load()
	if s.cfg.SNI == "" && s.onlyAlerts("unrecognized_name", "handshake_failure", "missing_extension", "internal_error") && s.sniAlert() {
		return fmt.Errorf("%w: every hello without server_name was refused (%s), the first with unrecognized_name or the like; scan it by name (target host name) to grade it", ErrSNIRequired, s.refusals())
	}
	return fmt.Errorf("%w: %d connections, every hello refused (%s): an IPS, a connection rate limit or a server that refuses this client; nothing can be graded", ErrNoHandshake, n, s.refusals())
}

// sniAlert reports that some refusal named the missing name itself
// (unrecognized_name, or missing_extension for a required server_name).
func (s *scanner) sniAlert() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusal["alert unrecognized_name"] > 0 || s.refusal["alert missing_extension"] > 0
}

// ocspProbe asks once for a stapled OCSP response (status_request), which
// enumeration leaves out. A server that drops this hello staples nothing.
func (s *scanner) ocspProbe(ctx context.Context, r *protoResult) bool {
	if r == nil || r.version == VersionSSL30 {
		return false
	}
	h := s.baseHello(r.version, codesOf(r, s.cfg.ChunkSize))
	h.ocsp = true
	f, err := s.handshake(ctx, h, nil)
	if err != nil {
		s.noteErr("OCSP stapling probe", err)
		return false
	}
	return len(f.OCSP) > 0
}
