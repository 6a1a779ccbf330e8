package httpscan

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/scanners"
)

// labServer is an in-process site: a listing under /files/, a Git HEAD,
// TRACE echo, WebDAV-ish PUT/DELETE under /dav/ and a soft-404 page.
func labServer(t *testing.T, soft404 bool) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	store := map[string][]byte{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "nginx/1.22.1")
		p := r.URL.Path
		switch {
		case r.Method == "TRACE":
			w.Header().Set("Content-Type", "message/http")
			fmt.Fprintf(w, "TRACE %s HTTP/1.1\r\n", r.RequestURI)
			r.Header.Write(w)
			return
		case r.Method == "PROPFIND" && p == "/dav/":
			w.WriteHeader(207)
			io.WriteString(w, `<?xml version="1.0"?><D:multistatus xmlns:D="DAV:"></D:multistatus>`)
			return
		case r.Method == "PUT" && strings.HasPrefix(p, "/dav/"):
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			store[p] = b
			mu.Unlock()
			w.WriteHeader(201)
			return
		case r.Method == "DELETE" && strings.HasPrefix(p, "/dav/"):
			mu.Lock()
			delete(store, p)
			mu.Unlock()
			w.WriteHeader(204)
			return
		case r.Method != "GET" && r.Method != "HEAD":
			w.WriteHeader(405)
			io.WriteString(w, "<html><center>nginx/1.22.1</center></html>")
			return
		}
		mu.Lock()
		b, ok := store[p]
		mu.Unlock()
		switch {
		case ok:
			w.Write(b)
		case p == "/":
			io.WriteString(w, `<html><body><a href="files/">files</a> <form><input type="password" name="pw"></form></body></html>`)
		case p == "/files/":
			io.WriteString(w, "<html>\r\n<head><title>Index of /files/</title></head>\r\n<body>\r\n<h1>Index of /files/</h1><hr><pre><a href=\"../\">../</a>\r\n<a href=\"a.txt\">a.txt</a>                                              26-Nov-2026 10:00                   5\r\n</pre><hr></body>\r\n</html>\r\n")
		case p == "/.git/HEAD":
			io.WriteString(w, "ref: refs/heads/main\n")
		case p == "/robots.txt":
			io.WriteString(w, "User-agent: *\nDisallow: /\n")
		case soft404:
			io.WriteString(w, "<html><body>Sorry, "+p+" is not here</body></html>")
		default:
			w.WriteHeader(404)
			io.WriteString(w, "<html><center>nginx/1.22.1</center></html>")
		}
	})
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func targetOf(t *testing.T, s *httptest.Server) scanners.Target {
	t.Helper()
	ap := netip.MustParseAddrPort(strings.TrimPrefix(s.URL, "http://"))
	return scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP}
}

func runSite(t *testing.T, env *scanners.Env, tg scanners.Target) scanners.Observation {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	obs, err := Site{}.Run(ctx, env, tg)
	if err != nil || len(obs) != 1 {
		t.Fatalf("Run = %v, %v", obs, err)
	}
	return obs[0]
}

func TestSiteGathers(t *testing.T) {
	s := labServer(t, false)
	o := runSite(t, &scanners.Env{}, targetOf(t, s))
	site, ok := o.Data.(*scanners.HTTPSite)
	if o.Status != scanners.OK || !ok {
		t.Fatalf("status %s %s", o.Status, o.Reason)
	}
	if !site.Baseline.Stable || site.Baseline.Status != 404 {
		t.Errorf("baseline = %+v", site.Baseline)
	}
	var sawFolder, sawGit bool
	for _, f := range site.Folders {
		if f.Path == "/files/" && f.Status == 200 && !f.Soft404 {
			sawFolder = true
		}
	}
	for _, f := range site.Files {
		if f.Path == "/.git/HEAD" && f.Status == 200 && !f.Soft404 {
			sawGit = true
		}
		if f.Path == "/.env" && !f.Soft404 {
			t.Errorf("/.env not marked soft-404: %+v", f.Status)
		}
	}
	if !sawFolder || !sawGit {
		t.Errorf("folder %v git %v", sawFolder, sawGit)
	}
	enabled := map[string]bool{}
	for _, m := range site.Methods {
		if m.Enabled {
			enabled[m.Method] = true
		}
		if m.Method == "PUT" && m.Enabled && !m.CleanedUp {
			t.Errorf("PUT file not cleaned up: %+v", m)
		}
	}
	for _, m := range []string{"TRACE", "PROPFIND", "PUT", "DELETE"} {
		if !enabled[m] {
			t.Errorf("%s not detected as enabled", m)
		}
	}
	if enabled["TRACK"] {
		t.Error("TRACK reported enabled but the server answers 405")
	}
	if site.HTTPSChecked && site.HTTPSServed {
		t.Error("HTTPS reported served on 127.0.0.1:443")
	}
}

func TestSiteSoft404(t *testing.T) {
	s := labServer(t, true)
	o := runSite(t, &scanners.Env{}, targetOf(t, s))
	site := o.Data.(*scanners.HTTPSite)
	if !site.Baseline.Stable || site.Baseline.Status != 200 {
		t.Fatalf("baseline = %+v", site.Baseline.Reason)
	}
	for _, f := range site.Files {
		if f.Path == "/.env" && !f.Soft404 {
			t.Errorf("soft-404 page for /.env not recognised")
		}
		if f.Path == "/.git/HEAD" && f.Soft404 {
			t.Errorf("real file marked soft-404")
		}
	}
}

func TestSiteScopeAndFailure(t *testing.T) {
	s := labServer(t, false)
	tg := targetOf(t, s)
	var mu sync.Mutex
	var dialed []string
	env := &scanners.Env{Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialed = append(dialed, addr)
		mu.Unlock()
		if addr != tg.HostPort() {
			return nil, scanners.ErrOutOfScope
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	o := runSite(t, env, tg)
	if o.Status != scanners.OK {
		t.Fatalf("status %s", o.Status)
	}
	for _, a := range dialed {
		if a != tg.HostPort() && a != netip.AddrPortFrom(tg.Addr, 443).String() {
			t.Errorf("dialed %s outside the endpoint", a)
		}
	}
	// A closed port is an observation with a status, not a Go error.
	s.Close()
	o = runSite(t, &scanners.Env{IOTimeout: time.Second}, tg)
	if o.Status != scanners.Refused || o.Reason == "" {
		t.Errorf("closed port: status %s reason %q", o.Status, o.Reason)
	}
}

func TestSiteTarpit(t *testing.T) {
	// A server that accepts and never answers costs IOTimeout, not forever.
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer s.Close()
	start := time.Now()
	o := runSite(t, &scanners.Env{IOTimeout: 300 * time.Millisecond}, targetOf(t, s))
	if o.Status != scanners.Timeout {
		t.Errorf("status %s", o.Status)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("tarpit took %v", d)
	}
}

func TestBodyCap(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 1<<12; i++ { // 4 MiB of garbage
			if _, err := w.Write(make([]byte, 1024)); err != nil {
				return
			}
		}
	}))
	defer s.Close()
	c := NewClient(&scanners.Env{}, targetOf(t, s), "http")
	defer c.Close()
	x, err := c.Do(context.Background(), "GET", "/", nil, nil)
	if err != nil || len(x.Body) > ExcerptCap || x.BodyLen > BodyCap || !x.Truncated {
		t.Errorf("err %v body %d len %d truncated %v", err, len(x.Body), x.BodyLen, x.Truncated)
	}
}

func TestCleanBody(t *testing.T) {
	a := cleanBody([]byte("<p>/sdnabc.html not found at 12:00</p>"), "/sdnabc.html")
	b := cleanBody([]byte("<p>/SDNXYZ.HTML not found at 13:01</p>"), "/SDNXYZ.HTML")
	if string(a) != string(b) {
		t.Errorf("%q != %q", a, b)
	}
}
