package httpscan

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/scanners"
	"shindan/scanners/scantest"
)

// httpsEnv says, as svc.ident would, that the endpoint speaks TLS.
func httpsEnv() *scanners.Env {
	return &scanners.Env{IOTimeout: 2 * time.Second, Prior: func(id string, t scanners.Target) []scanners.Observation {
		if id != scanners.ProbeSvcIdent {
			return nil
		}
		return []scanners.Observation{{Probe: id, Target: t, Status: scanners.OK,
			Data: &scanners.Service{Proto: scanners.TCP, Port: t.Port, Name: "https", TLS: true}}}
	}}
}

// A server limited to TLS 1.0 and RSA key exchange is visited over the
// legacy hello, and the site says so.
func TestSiteLegacyTLS(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "old-appliance/1.0")
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "<html>appliance</html>")
	}))
	s.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}}
	s.StartTLS()
	t.Cleanup(s.Close)
	ap := netip.MustParseAddrPort(strings.TrimPrefix(s.URL, "https://"))
	o := runSite(t, httpsEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
	site, _ := o.Data.(*scanners.HTTPSite)
	if o.Status != scanners.OK || site == nil {
		t.Fatalf("observation: %s %s", o.Status, o.Reason)
	}
	if site.Scheme != "https" || site.Root.Status != 200 || site.Root.Header("Server") != "old-appliance/1.0" {
		t.Errorf("root: %s %d", site.Scheme, site.Root.Status)
	}
	if !site.TLS.Fallback() || site.TLS.Profile != "legacy" || site.TLS.Version != "TLS 1.0" || site.TLS.Suite != "TLS_RSA_WITH_3DES_EDE_CBC_SHA" {
		t.Errorf("tls: %+v", site.TLS)
	}
	if site.Root.TLSSubject == "" {
		t.Error("the certificate subject must be kept over the custom TLS dialer (http.hosting-org)")
	}
	if len(site.Files) == 0 || site.Files[0].Status != 404 {
		t.Errorf("the visit must go on over the legacy hello: %+v", site.Files)
	}
}

// A server no crypto/tls hello can talk to gives an observation that says
// what it wants.
func TestSiteTLSGap(t *testing.T) {
	ap := scantest.Serve(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		b := make([]byte, 4096)
		if _, err := c.Read(b); err == nil {
			// ServerHello TLS 1.2, TLS_DHE_RSA_WITH_AES_256_GCM_SHA384
			body := append(append([]byte{3, 3}, make([]byte, 32)...), 0, 0x00, 0x9F, 0)
			msg := append([]byte{2, 0, 0, byte(len(body))}, body...)
			c.Write(append([]byte{22, 3, 3, 0, byte(len(msg))}, msg...))
			io.Copy(io.Discard, c)
		}
	})
	o := runSite(t, httpsEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
	site, _ := o.Data.(*scanners.HTTPSite)
	if o.Status != scanners.ProtocolError || site == nil || site.TLS == nil || site.TLS.Gap == nil {
		t.Fatalf("observation: %s %s %+v", o.Status, o.Reason, site)
	}
	if g := site.TLS.Gap; g.Kind != scanners.GapKeyExchange || g.What != "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384" {
		t.Errorf("gap: %+v", g)
	}
	if !strings.Contains(o.Reason, "https://"+ap.String()) || !strings.Contains(o.Reason, "crypto/tls does not implement") {
		t.Errorf("reason: %s", o.Reason)
	}
}

// A failed request names the URL it asked for, host and path included
// (the path travels in URL.Opaque, which url.URL renders without host).
func TestErrorURL(t *testing.T) {
	ap := scantest.Serve(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Read(make([]byte, 4096))
		c.Write([]byte("HTML garbage\r\n\r\n"))
	})
	c := NewClient(&scanners.Env{IOTimeout: time.Second}, scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP}, "http")
	defer c.Close()
	x, err := c.Do(context.Background(), "PROPFIND", "/dav/", nil, nil)
	if err == nil {
		t.Fatal("garbage must fail")
	}
	if want := `"http://` + ap.String() + `/dav/"`; !strings.Contains(x.Error, want) || !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", x.Error, want)
	}
}

// A modern server is visited over the default hello, HTTP/2 included
// (the custom TLS dialer keeps the transport's ALPN).
func TestSiteModernTLSHTTP2(t *testing.T) {
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>modern</html>")
	}))
	s.EnableHTTP2 = true
	s.StartTLS()
	t.Cleanup(s.Close)
	ap := netip.MustParseAddrPort(strings.TrimPrefix(s.URL, "https://"))
	o := runSite(t, httpsEnv(), scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP})
	site, _ := o.Data.(*scanners.HTTPSite)
	if o.Status != scanners.OK || site == nil {
		t.Fatalf("observation: %s %s", o.Status, o.Reason)
	}
	if site.Root.Proto != "HTTP/2.0" || site.TLS.Fallback() || site.TLS.Version != "TLS 1.3" {
		t.Errorf("root over %s, tls %+v", site.Root.Proto, site.TLS)
	}
}
