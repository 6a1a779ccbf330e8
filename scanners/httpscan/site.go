package httpscan

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"shindan/scanners"
	"shindan/scanners/tlsclient"
)

func init() { scanners.Register(Site{}) }

var _ scanners.Probe = Site{}

// Site is the http.site probe: one pass over a web endpoint that gathers
// what every http.* check needs (root page, soft-404 baseline, folders,
// the curated exposed-file list, methods, error pages, robots.txt, HTTPS
// availability). It writes nothing that it does not delete again: PUT goes
// to a random new name and is removed when it was created.
type Site struct{}

// Info describes the probe to the planner.
func (Site) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeHTTPSite, Level: scanners.LevelEndpoint, Services: []string{"http", "https"}}
}

// tlsPorts are ports where HTTPS is assumed when service identification
// did not say.
var tlsPorts = []uint16{443, 4443, 8443, 9443}

// schemeFor decides http or https from service identification when it ran
// (Env.Prior of svc.ident), else from the port.
func schemeFor(env *scanners.Env, t scanners.Target) string {
	if env.Prior != nil {
		for _, o := range env.Prior(scanners.ProbeSvcIdent, t) {
			if s, ok := o.Data.(*scanners.Service); ok && s.Port == t.Port {
				if s.TLS || s.Name == "https" {
					return "https"
				}
				return "http"
			}
		}
	}
	if slices.Contains(tlsPorts, t.Port) {
		return "https"
	}
	return "http"
}

// Run probes one endpoint. ctx cancellation aborts the request in flight;
// what was gathered so far is discarded and the observation says why.
func (Site) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	at := env.Clock()
	scheme := schemeFor(env, t)
	c := NewClient(env, t, scheme)
	site, rootErr := c.fetchRoot(ctx)
	for _, pause := range backoff {
		if rootErr == nil || !saturated(env, t, rootErr) || !sleep(ctx, pause) {
			break
		}
		c.Close()
		c = NewClient(env, t, scheme)
		site, rootErr = c.fetchRoot(ctx)
	}
	if rootErr == nil && scheme == "http" && looksLikeTLSPort(&site.Root) {
		c.Close()
		c = NewClient(env, t, "https")
		site, rootErr = c.fetchRoot(ctx)
	}
	defer c.Close()
	if rootErr != nil {
		return []scanners.Observation{rootFailed(c, t, at, rootErr)}, nil
	}
	site.TLS = c.TLSInfo()
	site.Baseline = c.baseline(ctx)
	if len(site.Baseline.Samples) > 0 && site.Baseline.Samples[0].Status != 0 {
		e := site.Baseline.Samples[0]
		e.Kind = "error-404"
		site.Errors = append(site.Errors, e)
	}
	site.Root.Soft404 = false
	c.robots(ctx, site)
	c.files(ctx, site)
	c.crawl(ctx, site)
	c.errorPages(ctx, site)
	c.methods(ctx, site)
	if scheme == "http" && t.Port != 443 && ctx.Err() == nil {
		c.httpsOn443(ctx, env, t, site)
	}
	if err := ctx.Err(); err != nil {
		return []scanners.Observation{scanners.Failed(scanners.ProbeHTTPSite, t, at, err)}, nil
	}
	return []scanners.Observation{{
		Probe: scanners.ProbeHTTPSite, Target: t, At: at, Status: scanners.OK, Data: site,
		Evidence: []scanners.Evidence{scanners.HTTPEvidence(&site.Root, "GET / on "+site.URL)},
	}}, nil
}

// rootFailed is the observation of a visit whose GET / got no answer. A
// TLS handshake that no hello profile could make keeps what was tried and
// what the server wants (HTTPSite.TLS) for the checks to say.
func rootFailed(c *Client, t scanners.Target, at time.Time, err error) scanners.Observation {
	o := scanners.Failed(scanners.ProbeHTTPSite, t, at, err)
	o.Reason = "httpscan: GET / on " + c.BaseURL() + ": " + err.Error()
	var he *tlsclient.HandshakeError
	if errors.As(err, &he) {
		o.Reason = "httpscan: GET / on " + c.BaseURL() + ": " + he.Error()
		o.Data = &scanners.HTTPSite{URL: c.BaseURL(), Scheme: c.base.Scheme, Host: c.host,
			TLS: &scanners.HTTPTLS{Refused: he.Tried, Gap: he.Gap}}
		if he.Gap != nil {
			o.Status = scanners.ProtocolError // it speaks TLS, only not any crypto/tls can
		}
		o.Evidence = []scanners.Evidence{{Kind: "tls", Summary: "TLS handshakes tried on " + c.BaseURL(), Data: strings.Join(he.Tried, "\n")}}
	}
	return o
}

// looksLikeTLSPort spots a TLS-only port asked in plain HTTP (nginx and
// Apache answer 400 with this text).
func looksLikeTLSPort(x *scanners.HTTPExchange) bool {
	return x.Status == 400 && (bytes.Contains(x.Body, []byte("plain HTTP request was sent to HTTPS port")) ||
		bytes.Contains(x.Body, []byte("speaking plain HTTP to an SSL-enabled server")))
}

// maxRedirects bounds the same-endpoint redirects followed for "/".
const maxRedirects = 3

// fetchRoot GETs "/" and follows redirects that stay on this endpoint;
// others are recorded (OffSite) and not followed.
func (c *Client) fetchRoot(ctx context.Context) (*scanners.HTTPSite, error) {
	site := &scanners.HTTPSite{URL: c.BaseURL(), Scheme: c.base.Scheme, Host: c.host}
	path := "/"
	for i := 0; ; i++ {
		x, err := c.Do(ctx, "GET", path, nil, nil)
		x.Kind = "root"
		if err != nil {
			if len(site.RootChain) == 0 {
				return site, err
			}
			site.Root = x
			return site, nil
		}
		loc := x.Header("Location")
		if x.Status < 300 || x.Status > 399 || loc == "" || i == maxRedirects {
			site.Root = x
			return site, nil
		}
		next, same := c.sameEndpoint(path, loc)
		if !same {
			if !c.sameHost(path, loc) {
				site.OffSite = append(site.OffSite, loc)
			}
			site.Root = x
			return site, nil
		}
		site.RootChain = append(site.RootChain, x)
		path = next
	}
}

// resolve resolves a Location against the current path on this endpoint.
func (c *Client) resolve(path, loc string) (*url.URL, error) {
	cur := *c.base
	cur.Path = path
	if i := strings.IndexByte(path, '?'); i >= 0 {
		cur.Path, cur.RawQuery = path[:i], path[i+1:]
	}
	l, err := url.Parse(loc)
	if err != nil {
		return nil, err
	}
	return cur.ResolveReference(l), nil
}

// sameEndpoint reports whether loc points at this scheme, host and port,
// and returns its path.
func (c *Client) sameEndpoint(path, loc string) (string, bool) {
	u, err := c.resolve(path, loc)
	if err != nil || u.Scheme != c.base.Scheme || !c.sameHostPort(u) {
		return "", false
	}
	return u.RequestURI(), true
}

func (c *Client) sameHostPort(u *url.URL) bool {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return strings.EqualFold(u.Hostname(), c.base.Hostname()) && port == c.base.Port() ||
		c.sameName(u) && port == c.base.Port()
}

func (c *Client) sameName(u *url.URL) bool {
	h := c.host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	return strings.EqualFold(strings.Trim(h, "[]"), u.Hostname())
}

// sameHost reports whether loc stays on this host (any scheme or port).
func (c *Client) sameHost(path, loc string) bool {
	u, err := c.resolve(path, loc)
	return err == nil && (strings.EqualFold(u.Hostname(), c.base.Hostname()) || c.sameName(u))
}

// get is a GET that marks soft-404 answers. A dropped connection is tried
// once more (servers drop connections under load, and a lost folder is a
// lost listing); a timeout is not, so a tarpit costs no more. A failure
// is kept in x.Error.
func (c *Client) get(ctx context.Context, site *scanners.HTTPSite, path, kind string) scanners.HTTPExchange {
	x, err := c.Do(ctx, "GET", path, nil, nil)
	if err != nil && ctx.Err() == nil && !errors.Is(err, scanners.ErrOutOfScope) && !isTimeout(err) {
		x, _ = c.Do(ctx, "GET", path, nil, nil)
	}
	x.Kind = kind
	x.Soft404 = soft404(&site.Baseline, &x)
	return x
}

func (c *Client) robots(ctx context.Context, site *scanners.HTTPSite) {
	x := c.get(ctx, site, "/robots.txt", "robots")
	site.Robots = &x
	st := c.get(ctx, site, "/.well-known/security.txt", "security-txt")
	site.SecurityTxt = &st
}

func (c *Client) files(ctx context.Context, site *scanners.HTTPSite) {
	for _, f := range exposedFiles {
		if ctx.Err() != nil {
			return
		}
		site.Files = append(site.Files, c.get(ctx, site, f.Path, f.Kind))
	}
}

// errorPages provokes a 400 with a malformed escape; error pages often
// carry the server's signature or a stack trace.
func (c *Client) errorPages(ctx context.Context, site *scanners.HTTPSite) {
	x, _ := c.Do(ctx, "GET", "/%"+randName()[:4]+"%zz", nil, nil)
	x.Kind = "error-400"
	site.Errors = append(site.Errors, x)
}

// httpsOn443 records whether the same host serves HTTPS on 443.
func (c *Client) httpsOn443(ctx context.Context, env *scanners.Env, t scanners.Target, site *scanners.HTTPSite) {
	tc := NewClient(env, t.Endpoint(scanners.TCP, 443), "https")
	defer tc.Close()
	site.HTTPSChecked = true
	x, err := tc.Do(ctx, "HEAD", "/", nil, nil)
	site.HTTPSTLS = tc.TLSInfo()
	switch {
	case err == nil:
		site.HTTPSServed = true
	case errors.Is(err, scanners.ErrOutOfScope):
		site.HTTPSChecked = false
		site.HTTPSError = "port 443 is outside the scan scope"
	default:
		site.HTTPSError = x.Error
		if st := scanners.StatusOf(err); st != scanners.Refused && st != scanners.ProtocolError {
			site.HTTPSChecked = false // a timeout is not "no HTTPS"
		}
	}
}

// isTimeout covers the transport's own timeouts (response headers,
// client deadline) besides context deadlines.
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return scanners.StatusOf(err) == scanners.Timeout || errors.As(err, &te) && te.Timeout()
}
