// Package tlsclient is the crypto/tls client of the probes that talk to a
// service inside TLS (http.site's requests, svc.ident's look inside). The
// scanner diagnoses old servers too, so a refused handshake is not the
// end: the Dialer tries ClientHellos of its profiles in turn, each on a
// fresh connection, and keeps the first that works for the rest of the
// visit; modern servers never see anything but the first. What worked is
// recorded (Info) so a verdict reached over a legacy handshake can say so,
// and when nothing works a raw hello (tlsscan's) names what the server
// wants that crypto/tls lacks (HandshakeError.Gap). Grading TLS stays
// tlsscan's job: certificates are not verified here.
package tlsclient

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"shindan/scanners"
	"shindan/scanners/tlsscan"
)

// Profile is one ClientHello shape.
type Profile int

const (
	// Modern is crypto/tls's defaults from TLS 1.0 (ECDHE, AEAD and
	// CBC-SHA suites, post-quantum hybrid key shares), with the caller's
	// ALPN.
	Modern Profile = iota
	// Legacy adds every suite crypto/tls still implements when asked by
	// name (RSA key exchange, 3DES, RC4, CBC-SHA256) and offers only
	// classic curves and no ALPN, so the hello is a plain ~250-byte one.
	Legacy
	// Short is Legacy at TLS ≤ 1.2 with a hello under 256 bytes (nine
	// suites, no ALPN, no session ticket, no key share), for servers
	// behind middleboxes that reset long hellos (pitfalls §4.2).
	Short
	nProfiles
)

func (p Profile) String() string {
	if p < 0 || p >= nProfiles {
		return "unknown"
	}
	return [...]string{"modern", "legacy", "short"}[p]
}

// legacySuites is every TLS ≤ 1.2 suite crypto/tls implements. The order
// does not matter: crypto/tls orders the client's list itself.
var legacySuites = func() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}()

// shortSuites keep the short hello short: TLS 1.0 to 1.2 suites that
// nearly every stack has, one per key exchange and cipher family.
var shortSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
}

// Config is the crypto/tls configuration of profile p for server name sni
// ("" for an address); alpn is offered by the Modern profile only.
func (p Profile) Config(sni string, alpn []string) *tls.Config {
	c := &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // grading certificates is tlsscan's job
		ServerName:         sni,
		MinVersion:         tls.VersionTLS10,
	}
	switch p {
	case Modern:
		c.NextProtos = alpn
	case Legacy:
		c.CipherSuites = legacySuites
		c.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}
	case Short:
		c.MaxVersion = tls.VersionTLS12
		c.CipherSuites = shortSuites
		c.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}
		c.SessionTicketsDisabled = true
	}
	return c
}

// Dialer makes the TLS connections of one visit to one endpoint. It is
// safe for concurrent use (an HTTP transport dials in parallel).
type Dialer struct {
	SNI     string        // server_name; "" for an address
	ALPN    []string      // offered by the Modern profile
	Timeout time.Duration // per handshake

	mu      sync.Mutex
	done    bool // a profile worked; later failures do not fall back
	profile Profile
	refused []string
	state   tls.ConnectionState
}

// HandshakeError is a TLS handshake that no profile could complete. Gap,
// when set, is what a raw hello showed the server wants and crypto/tls
// lacks; without it the cause stays unproven and Tried says what failed.
type HandshakeError struct {
	Tried []string // "profile: error" per attempt, in order
	Gap   *scanners.TLSGap
	Last  error
}

func (e *HandshakeError) Error() string {
	if e.Gap != nil {
		return "tlsclient: no TLS handshake possible with Go's crypto/tls: " + e.Gap.String() + " (tried " + strings.Join(e.Tried, "; ") + ")"
	}
	return "tlsclient: TLS handshake refused (" + strings.Join(e.Tried, "; ") + ")"
}

func (e *HandshakeError) Unwrap() error { return e.Last }

// Dial makes a TLS connection: dial gives a fresh transport connection per
// attempt (through the scope guard); the handshake uses the profile that
// worked before, else falls back through the profiles while the server
// refuses the hello. A network failure is returned as is, a refusal of
// every profile as a *HandshakeError.
func (d *Dialer) Dial(ctx context.Context, dial func(context.Context) (net.Conn, error)) (*tls.Conn, error) {
	d.mu.Lock()
	p, done := d.profile, d.done
	d.mu.Unlock()
	var tried []string
	for {
		conn, err := dial(ctx)
		if err != nil {
			return nil, err
		}
		tc, err := d.handshake(ctx, conn, p)
		if err == nil {
			d.mu.Lock()
			if !d.done {
				d.done, d.profile, d.state = true, p, tc.ConnectionState()
				d.refused = append(d.refused, tried...)
			}
			d.mu.Unlock()
			return tc, nil
		}
		conn.Close()
		tried = append(tried, p.String()+": "+err.Error())
		next, ok := nextProfile(p, err)
		switch {
		case done || (!ok && p == Modern) || ctx.Err() != nil:
			// A profile worked before (this is the network), the
			// answer was no refusal (a timeout, not TLS), or the scan
			// ends.
			return nil, err
		case !ok:
			return nil, &HandshakeError{Tried: tried, Last: err, Gap: d.diagnose(ctx, dial)}
		}
		p = next
	}
}

// handshake runs one TLS handshake on conn, bounded by d.Timeout.
func (d *Dialer) handshake(ctx context.Context, conn net.Conn, p Profile) (*tls.Conn, error) {
	tc := tls.Client(conn, p.Config(d.SNI, d.ALPN))
	hctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return nil, err
	}
	return tc, nil
}

// nextProfile says which profile to try after p failed with err. A
// refusal (an alert, no common suite or version, the connection closed or
// reset) moves on; a timeout does not (a tarpit costs one handshake), nor
// an answer that is not TLS at all. The short hello only helps against a
// reset or a close, never against an alert.
func nextProfile(p Profile, err error) (Profile, bool) {
	if p+1 >= nProfiles || timeout(err) || errors.Is(err, scanners.ErrOutOfScope) || errors.Is(err, context.Canceled) {
		return 0, false
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		return 0, false
	}
	if p+1 == Short && !dropped(err) {
		return 0, false
	}
	return p + 1, true
}

func timeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) && te.Timeout()
}

// dropped reports a handshake the server ended without an alert.
func dropped(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// Info is how the dialer's connections were made, nil before a handshake
// succeeded.
func (d *Dialer) Info() *scanners.HTTPTLS {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.done {
		return nil
	}
	return &scanners.HTTPTLS{
		Profile: d.profile.String(),
		Version: tls.VersionName(d.state.Version),
		Suite:   tls.CipherSuiteName(d.state.CipherSuite),
		Refused: append([]string(nil), d.refused...),
	}
}

// diagWait bounds the wait for the answer to the diagnosis hello.
const diagWait = 5 * time.Second

// diagnose asks the server with tlsscan's broad identification hello
// (every suite and group the policy names, no status_request) what it
// would choose, and when that draws an alert, with its short one (some
// stacks reject long hellos or unknown code points with decode_error);
// nil when neither proves anything (no TLS answer).
func (d *Dialer) diagnose(ctx context.Context, dial func(context.Context) (net.Conn, error)) *scanners.TLSGap {
	var first *tlsscan.IdentReply
	for _, short := range []bool{false, true} {
		rep, ok := d.rawHello(ctx, dial, short)
		switch {
		case ok && rep.Alert == nil:
			return gapOf(rep, d.SNI)
		case ok && first == nil:
			first = &rep
		}
	}
	if first == nil {
		return nil
	}
	return gapOf(*first, d.SNI)
}

// rawHello sends one identification hello on a fresh connection.
func (d *Dialer) rawHello(ctx context.Context, dial func(context.Context) (net.Conn, error), short bool) (tlsscan.IdentReply, bool) {
	conn, err := dial(ctx)
	if err != nil {
		return tlsscan.IdentReply{}, false
	}
	defer conn.Close()
	wait := diagWait
	if d.Timeout > 0 && d.Timeout < wait {
		wait = d.Timeout
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	return rawHello(conn, d.SNI, short, wait)
}
