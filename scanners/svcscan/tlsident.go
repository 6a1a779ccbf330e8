package svcscan

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"time"

	"shindan/scanners"
	"shindan/scanners/tlsclient"
	"shindan/scanners/tlsscan"
)

// TLS is recognised from the answer to tlsscan's own raw ClientHello, never
// from a crypto/tls handshake: Go cannot handshake with DHE-only,
// x448/ffdhe-only or Camellia/CBC-SHA384-only servers, and a refusal (an
// alert: missing SNI, a dropped status_request) is TLS as much as a
// ServerHello is. crypto/tls is used afterwards, and only to look at what
// runs inside; when it fails the endpoint is still TLS and gets tls.scan.

// serverFirstTLS are implicit-TLS ports whose inner protocol greets first
// (SMTPS, IMAPS, POP3S, FTPS, telnets, IRCS, NNTPS): inside TLS they are
// listened to; on every other port the inner question is asked at once,
// since waiting for a greeting that never comes costs the banner wait.
var serverFirstTLS = map[uint16]bool{465: true, 563: true, 990: true, 992: true, 993: true, 994: true, 995: true}

// sni is the name to send in server_name: the target's name, never an
// address literal (RFC 6066 §3).
func (r *run) sni() string {
	if n := r.t.Name; n != "" {
		if _, err := netip.ParseAddr(n); err != nil {
			return n
		}
	}
	return ""
}

// rawHello sends one identification hello on s and parses the answer.
func (r *run) rawHello(s *session, wait time.Duration, short bool) (tlsscan.IdentReply, bool, []byte, error) {
	if err := s.send(tlsscan.IdentHello(r.sni(), short)); err != nil {
		return tlsscan.IdentReply{}, false, nil, err
	}
	b, err := s.recv(wait, tlsscan.IdentDone)
	rep, ok := tlsscan.ParseIdentReply(b)
	return rep, ok, b, err
}

// probeTLS decides "is this TLS?" with a raw hello, retrying once with a
// short hello when the server reset or closed without a byte (servers
// intolerant of long hellos or unknown suite codes), then identifies what
// runs inside.
func (r *run) probeTLS(s *session, wait time.Duration) (result, bool) {
	rep, ok, b, err := r.rawHello(s, wait, false)
	if !ok && len(b) == 0 && err != nil && !isTimeout(err) && s.ctx.Err() == nil {
		r.tr.note("tls: no answer to the full hello (" + err.Error() + "), retrying with a short one")
		if s2, derr := r.dial(s.ctx); derr == nil {
			rep, ok, b, _ = r.rawHello(s2, wait, true)
			s.got += s2.got
			s2.close()
		}
	}
	if !ok {
		r.keepUnknown(b)
		return result{}, false
	}
	r.tr.note("tls: " + rep.Summary())
	// Single-threaded servers (openssl s_server, gnutls-serv) serve one
	// connection at a time: the next one waits until this one is closed.
	s.close()
	// An alert to the raw hello is no verdict on crypto/tls's hellos
	// (wolfSSL answers its long list of code points with decode_error,
	// yet serves a shorter hello): the look inside is tried anyway.
	res, herr := r.insideTLS(s.ctx)
	res.tls = true
	res.method = "probe:tls"
	if res.id.Name == "" && herr != nil && herr.Gap != nil && scanners.Implies(r.t.Port, []string{"https"}) {
		// TLS is proven and no crypto/tls hello can get inside: on a
		// port that means HTTPS, name it so from the port and let
		// http.site say exactly why it cannot look inside, instead of
		// the web checks' verdicts ending as "unidentified".
		res.id.Name, res.method = "https", "port:tls"
		res.id.set(scanners.AttrTLSInner, herr.Gap.String())
		r.tr.note("tls: named https from the port: " + herr.Gap.String())
	}
	if rep.Alert != nil {
		res.id.set("tls-alert", rep.Summary())
	} else {
		res.id.set("tls-version", tls.VersionName(rep.Version))
	}
	return res, true
}

// insideTLS handshakes with crypto/tls on a fresh connection (falling
// back to legacy hellos, tlsclient) and identifies the inner protocol: a
// greeting on server-first ports, else the port's client-first question
// (LDAP or HTTP). A failed handshake leaves the endpoint as unnamed TLS
// and returns why no hello could get in.
func (r *run) insideTLS(ctx context.Context) (result, *tlsclient.HandshakeError) {
	var s *session
	defer func() {
		if s != nil {
			s.close()
		}
	}()
	d := &tlsclient.Dialer{SNI: r.sni(), Timeout: r.cfg.timeout}
	tc, err := d.Dial(ctx, func(ctx context.Context) (net.Conn, error) {
		if s != nil {
			s.close() // single-threaded servers serve one connection at a time
		}
		ns, err := r.dial(ctx)
		if err != nil {
			s = nil
			return nil, err
		}
		s = ns
		return ns.c, nil
	})
	if err != nil {
		r.tr.note("tls: inner protocol not identified, crypto/tls cannot handshake: " + err.Error())
		var he *tlsclient.HandshakeError
		errors.As(err, &he)
		return result{}, he
	}
	if ti := d.Info(); ti.Fallback() {
		r.tr.note("tls: inside with the " + ti.Profile + " hello (" + ti.Version + " " + ti.Suite + ")")
	}
	inner := &session{ctx: ctx, c: tc, tr: r.tr, timeout: s.timeout, stop: func() bool { return true }}
	var res result
	ok := false
	if serverFirstTLS[r.t.Port] {
		if b, _ := inner.recv(r.cfg.bannerWait, bannerDone); len(b) > 0 {
			if res, ok = r.fromBanner(inner, b, r.env.Clock()); !ok {
				res = result{banner: b}
			}
		}
	} else {
		inside := "http"
		for _, h := range hints[r.t.Port] {
			if h != "tls" {
				inside = h
			}
		}
		switch inside {
		case "ldap":
			res, ok = r.probeLDAP(inner, r.cfg.timeout)
		default:
			res, ok = r.probeHTTP(inner, r.cfg.timeout)
		}
	}
	if !ok {
		res.id = Ident{}
	}
	return res, nil
}

// tlsFirst runs the TLS probe before the banner wait on ports where TLS is
// expected (a server-first service there still answers the hello with its
// banner, and the normal order follows). done reports that identification
// is over: TLS was found, or the port cannot be connected to.
func (r *run) tlsFirst(ctx context.Context) (res result, ok, done bool) {
	if h := hints[r.t.Port]; len(h) == 0 || h[0] != "tls" {
		return result{}, false, false
	}
	s, err := r.dial(ctx)
	if err != nil {
		return result{}, false, true
	}
	defer s.close()
	r.tlsTried = true
	r.tr.note("probe tls (the port expects TLS)")
	res, ok = r.probeTLS(s, r.cfg.timeout)
	if s.got > 0 {
		r.received = true
	}
	if ok && res.method == "" {
		res.method = "probe:tls"
	}
	return res, ok, ok
}
