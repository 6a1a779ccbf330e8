// Package httpscan is the HTTP client layer of shindan and the http.site
// probe. Every connection goes through Env.DialContext (scope guard and
// rate limit); redirects are never followed off the endpoint; bodies are
// capped; TLS is not verified here because grading TLS is tlsscan's job.
package httpscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"shindan/scanners"
	"shindan/scanners/tlsclient"
)

// Limits on what one response may cost.
const (
	// BodyCap is how much of a body is read at most; the rest is dropped
	// and the connection closed.
	BodyCap = 256 << 10
	// ExcerptCap is how much of a body is kept in an observation.
	ExcerptCap = 16 << 10
	// maxHeaders bounds the header values kept per exchange.
	maxHeaders = 64
	// maxHeaderBytes bounds the response header block the transport reads.
	maxHeaderBytes = 64 << 10
)

// Client talks HTTP to one endpoint (address, port, scheme, virtual host).
// It is safe for sequential use by one probe run.
type Client struct {
	base *url.URL // scheme://addr:port
	host string   // Host header
	ua   string
	hc   *http.Client
	tr   *http.Transport
	env  *scanners.Env
	tls  *tlsclient.Dialer // keeps the hello profile that works on this endpoint
}

// NewClient builds a client for scheme ("http" or "https") on target t.
// The Host header and TLS SNI are t.Name when set, else the address.
func NewClient(env *scanners.Env, t scanners.Target, scheme string) *Client {
	host := t.Name
	if host == "" {
		host = t.Addr.String()
	}
	hostHdr := host
	if !(scheme == "http" && t.Port == 80) && !(scheme == "https" && t.Port == 443) {
		hostHdr = net.JoinHostPort(host, strconv.Itoa(int(t.Port)))
	} else if t.Name == "" && t.Addr.Is6() {
		hostHdr = "[" + host + "]"
	}
	to := env.Timeout()
	tr := &http.Transport{
		Proxy:       nil, // never an environment proxy: traffic goes to the target only
		DialContext: env.DialContext,
		// DialTLSContext is set below: the handshake falls back to legacy
		// hellos (tlsclient), which a TLSClientConfig cannot express.
		ForceAttemptHTTP2:      true,
		ResponseHeaderTimeout:  to,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxHeaderBytes,
		MaxConnsPerHost:        2,
		MaxIdleConnsPerHost:    2,
		// Short: an idle keep-alive holds a worker of a small server
		// (and a scope-guard slot) until this or the server's timeout.
		IdleConnTimeout:    2 * time.Second,
		DisableCompression: true, // the caps apply to what is on the wire
	}
	ua := env.Settings.HTTP.UserAgent
	if ua == "" {
		ua = "shindan/1 (network posture scanner)"
	}
	c := &Client{
		base: &url.URL{Scheme: scheme, Host: t.HostPort()},
		host: hostHdr, ua: ua, env: env, tr: tr,
		tls: &tlsclient.Dialer{SNI: t.Name, ALPN: []string{"h2", "http/1.1"}, Timeout: to},
		hc: &http.Client{
			Transport: tr,
			// Redirects are decided by the probe (same endpoint only).
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Timeout:       3 * to,
		},
	}
	tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return c.tls.Dial(ctx, func(ctx context.Context) (net.Conn, error) { return env.DialContext(ctx, network, addr) })
	}
	return c
}

// TLSInfo is how this client's HTTPS connections were made (nil before
// one was).
func (c *Client) TLSInfo() *scanners.HTTPTLS { return c.tls.Info() }

// Close releases idle connections.
func (c *Client) Close() { c.tr.CloseIdleConnections() }

// BaseURL is scheme://addr:port.
func (c *Client) BaseURL() string { return c.base.String() }

// Host is the Host header the client sends.
func (c *Client) Host() string { return c.host }

// Do sends one request for path (which may contain a query and is sent as
// is) and returns the bounded exchange; a transport failure is recorded in
// the exchange's Error and returned as err.
func (c *Client) Do(ctx context.Context, method, path string, hdr http.Header, body []byte) (scanners.HTTPExchange, error) {
	x := scanners.HTTPExchange{Method: method, Path: path}
	if err := c.env.Wait(ctx, 1); err != nil {
		x.Error = err.Error()
		return x, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+"/", rd)
	if err != nil {
		x.Error = err.Error()
		return x, fmt.Errorf("httpscan: %w", err)
	}
	req.URL.Opaque = path // sent verbatim: probes need paths url.Parse would reject
	req.Host = c.host
	if err := writeHeaders(req, c.ua, hdr); err != nil {
		x.Error = err.Error()
		return x, err
	}
	x.Request = method + " " + path + " HTTP/1.1"
	resp, err := c.hc.Do(req)
	if err != nil {
		err = c.fixURL(err, path)
		x.Error = err.Error()
		return x, err
	}
	defer resp.Body.Close()
	x.Proto = resp.Proto
	x.Request = method + " " + path + " " + resp.Proto
	x.Status = resp.StatusCode
	x.StatusLine = resp.Proto + " " + resp.Status
	x.Headers = keepHeaders(resp.Header)
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		leaf := resp.TLS.PeerCertificates[0]
		x.TLSSubject, x.TLSOrg = leaf.Subject.String(), leaf.Subject.Organization
	}
	buf := bodyBufs.Get().(*[]byte)
	defer bodyBufs.Put(buf)
	b, rerr := readBody(resp.Body, *buf)
	if len(b) > BodyCap {
		b, x.Truncated = b[:BodyCap], true
	}
	x.BodyLen = len(b)
	if len(b) > ExcerptCap && strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "html") {
		b = elideStyles(b)
	}
	if len(b) > ExcerptCap {
		b, x.Truncated = b[:ExcerptCap], true
	}
	// A copy: the excerpt outlives the exchange in the observation, and a
	// slice of the read buffer would keep all of it alive (a crawl of
	// endless bodies kept ~400 KB per exchange, 43 MB per scan).
	x.Body = bytes.Clone(b)
	if rerr != nil && x.BodyLen == 0 {
		x.Error = "body: " + rerr.Error()
	}
	return x, nil
}

// bodyBufs holds read buffers of BodyCap+1 bytes: a probe reads its
// exchanges one after the other, so a few buffers serve a whole scan
// instead of one growing ReadAll buffer per exchange.
var bodyBufs = sync.Pool{New: func() any { b := make([]byte, BodyCap+1); return &b }}

// readBody reads r into buf until buf is full or r ends, and returns what
// came and the error that ended it (io.EOF, the body's end, is none), as
// io.ReadAll of a LimitReader does but without its growing copies.
func readBody(r io.Reader, buf []byte) ([]byte, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return buf[:n], nil
		}
		if err != nil {
			return buf[:n], err
		}
	}
	return buf[:n], nil
}

// fixURL puts the URL that was requested into a client error: the request
// carries its path in URL.Opaque (sent verbatim), which url.URL.String
// renders without the host ("https:/dav/").
func (c *Client) fixURL(err error, path string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = c.base.String() + path
	}
	return err
}

// keepHeaders copies at most maxHeaders values, each bounded.
func keepHeaders(h http.Header) map[string][]string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string][]string{}
	n := 0
	for _, k := range keys {
		for _, v := range h[k] {
			if n == maxHeaders {
				return out
			}
			if len(v) > 1024 {
				v = v[:1024]
			}
			out[k] = append(out[k], v)
			n++
		}
	}
	return out
}

var reStyle = regexp.MustCompile(`(?is)(<style[^>]*>)(.*?)(</style\s*>)`)

// elideStyles empties the style sheets of a long HTML body so that the
// excerpt keeps the markup: some generators (npm http-server) put 60 KiB
// of inline icons before the listing they serve. The elision is marked.
func elideStyles(b []byte) []byte {
	if !reStyle.Match(b) {
		// ReplaceAllFunc copies the whole body even when nothing
		// matches: 256 KiB of garbage per exchange of an endless page.
		return b
	}
	return reStyle.ReplaceAllFunc(b, func(m []byte) []byte {
		sm := reStyle.FindSubmatch(m)
		if len(sm[2]) < 256 {
			return m
		}
		out := append([]byte{}, sm[1]...)
		out = append(out, fmt.Sprintf("/* %d bytes of CSS elided by shindan */", len(sm[2]))...)
		return append(out, sm[3]...)
	})
}
