package nucleiscan

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/scanners"
)

func vulnServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Apache/2.4.62 (Debian)")
		switch {
		case r.Method == "TRACE":
			fmt.Fprintf(w, "TRACE %s HTTP/1.1\r\n", r.RequestURI)
			r.Header.Write(w) //nolint:errcheck
		case strings.HasPrefix(r.RequestURI, "/icons/.%2e/%2e%2e/"):
			// Apache 2.4.49's path traversal (CVE-2021-41773), faked.
			io.WriteString(w, "root:x:0:0:root:/root:/bin/bash\n") //nolint:errcheck
		case r.URL.Path == "/.git/config":
			io.WriteString(w, "[core]\n\trepositoryformatversion = 0\n") //nolint:errcheck
		case r.URL.Path == "/admin/":
			if u, pw, ok := r.BasicAuth(); !ok || u != "admin" || pw != "admin" {
				w.Header().Set("WWW-Authenticate", `Basic realm="admin"`)
				w.WriteHeader(401)
				return
			}
			io.WriteString(w, "admin console") //nolint:errcheck
		case r.URL.Path == "/server-status":
			io.WriteString(w, "<h1>Apache Server Status for x</h1><dt>Server Version: Apache/2.4.62 (Debian)</dt>") //nolint:errcheck
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func target(t *testing.T, s *httptest.Server) scanners.Target {
	ap := netip.MustParseAddrPort(strings.TrimPrefix(s.URL, "http://"))
	return scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP}
}

func TestProbe(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	user := t.TempDir()
	if err := os.WriteFile(filepath.Join(user, "user.yaml"), []byte(`id: user-root-404
info:
  name: root answers 404
  author: test
  severity: info
http:
  - method: GET
    path: ["{{BaseURL}}/"]
    matchers:
      - type: status
        status: [404]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := vulnServer(t)
	tg := target(t, s)
	var mu sync.Mutex
	var dialed []string
	env := &scanners.Env{IOTimeout: 3 * time.Second, Settings: scanners.Settings{Nuclei: scanners.NucleiSettings{Intrusive: true}},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialed = append(dialed, addr)
			mu.Unlock()
			if addr != tg.HostPort() {
				return nil, scanners.ErrOutOfScope
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}}
	p := New(WithTemplates(user))
	defer p.Close()
	start := time.Now()
	obs, err := p.Run(context.Background(), env, tg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first run (engine build + %d templates): %v", p.Templates(), time.Since(start))
	got := map[string]*scanners.NucleiMatch{}
	for _, o := range obs {
		m := o.Data.(*scanners.NucleiMatch)
		got[m.TemplateID] = m
	}
	for _, id := range []string{"shindan-apache-cve-2021-41773", "shindan-default-login-basic", "user-root-404"} {
		if got[id] == nil {
			t.Errorf("%s did not match; got %v", id, keys(got))
		}
	}
	// The server also has .git/config, TRACE and server-status: the
	// built-in checks decide those, so no curated template reports them.
	if len(got) != 4 {
		t.Errorf("matches %v, want the CVE, the default login, the user template and the summary", keys(got))
	}
	if m := got["shindan-apache-cve-2021-41773"]; m != nil && (!slices.Contains(m.Articles, "33-3") || m.Severity != "high") {
		t.Errorf("CVE match: %+v", m)
	}
	if m := got["shindan-default-login-basic"]; m != nil && (m.Severity != "high" || !strings.Contains(m.MatchedAt, "/admin/") ||
		len(m.Extracted) != 1 || m.Extracted[0] != "admin:admin" || !slices.Contains(m.Articles, "18-3-4")) {
		t.Errorf("default login match: %+v", m)
	}
	if m := got[""]; m == nil || m.Templates != 3 {
		t.Errorf("summary: %+v", m)
	}
	for _, a := range dialed {
		if a != tg.HostPort() {
			t.Errorf("nuclei dialed %s, outside the endpoint", a)
		}
	}
	if len(dialed) == 0 {
		t.Error("nuclei traffic did not go through Env.Dial")
	}
	// Nothing in the user's home.
	if ents, _ := os.ReadDir(home); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("written to HOME: %v", names)
	}
	// The engine is reused: a second endpoint runs without rebuilding.
	s2 := vulnServer(t)
	tg2 := target(t, s2)
	env2 := &scanners.Env{IOTimeout: 3 * time.Second}
	start = time.Now()
	obs, err = p.Run(context.Background(), env2, tg2)
	if err != nil || len(obs) < 3 {
		t.Errorf("second run: %v %d", err, len(obs))
	}
	t.Logf("second run: %v", time.Since(start))

	// Open pages answer 200 with or without credentials: no default login.
	open := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "welcome") //nolint:errcheck
	}))
	defer open.Close()
	obs, err = p.Run(context.Background(), &scanners.Env{IOTimeout: 3 * time.Second}, target(t, open))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range obs {
		if m := o.Data.(*scanners.NucleiMatch); m.TemplateID == "shindan-default-login-basic" {
			t.Errorf("default login matched an open site: %+v", m)
		}
	}
}

func keys(m map[string]*scanners.NucleiMatch) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestArticles(t *testing.T) {
	if a := articles(map[string]interface{}{"articles": []interface{}{"61-1-3", "62-3"}}); len(a) != 2 {
		t.Errorf("%v", a)
	}
	if a := articles(map[string]interface{}{"articles": "61-1-1, 62-3"}); len(a) != 2 || a[1] != "62-3" {
		t.Errorf("%v", a)
	}
	if a := articles(nil); a != nil {
		t.Errorf("%v", a)
	}
}

// TestIntrusiveOnlyOnRequest: without --intrusive the default-login
// template, which sends credentials, is not even loaded.
func TestIntrusiveOnlyOnRequest(t *testing.T) {
	s := vulnServer(t)
	tg := target(t, s)
	env := &scanners.Env{IOTimeout: 3 * time.Second}
	p := New()
	defer p.Close()
	obs, err := p.Run(context.Background(), env, tg)
	if err != nil {
		t.Fatal(err)
	}
	saw := false
	for _, o := range obs {
		m := o.Data.(*scanners.NucleiMatch)
		if m.TemplateID == "shindan-default-login-basic" {
			t.Fatal("the intrusive default-login template ran without --intrusive")
		}
		saw = saw || m.TemplateID == "shindan-apache-cve-2021-41773"
	}
	if !saw {
		t.Fatal("the non-intrusive templates must still run")
	}
}
