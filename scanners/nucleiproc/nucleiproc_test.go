package nucleiproc

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
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/scanners"
	"shindan/scanners/nucleiproc/nucleitest"
)

func TestMain(m *testing.M) {
	cleanup, err := nucleitest.Setup()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// vulnServer answers like an Apache with the path traversal of
// CVE-2021-41773 and admin:admin behind Basic on /admin/.
func vulnServer(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "Apache/2.4.49 (Debian)")
		switch {
		case strings.HasPrefix(r.RequestURI, "/icons/.%2e/%2e%2e/"):
			io.WriteString(w, "root:x:0:0:root:/root:/bin/bash\n") //nolint:errcheck
		case r.URL.Path == "/admin/":
			if u, pw, ok := r.BasicAuth(); !ok || u != "admin" || pw != "admin" {
				w.Header().Set("WWW-Authenticate", `Basic realm="admin"`)
				w.WriteHeader(401)
				return
			}
			io.WriteString(w, "admin console") //nolint:errcheck
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func target(s *httptest.Server) scanners.Target {
	ap := netip.MustParseAddrPort(strings.TrimPrefix(s.URL, "http://"))
	return scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP}
}

// guardEnv dials only tg, recording every address asked for, and has a
// fixed clock.
func guardEnv(t *testing.T, tg scanners.Target, dialed *[]string, mu *sync.Mutex) *scanners.Env {
	return &scanners.Env{IOTimeout: 3 * time.Second, Now: func() time.Time { return time.Unix(1700000000, 0).UTC() },
		Settings: scanners.Settings{Nuclei: scanners.NucleiSettings{Intrusive: true}},
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			*dialed = append(*dialed, addr)
			mu.Unlock()
			if addr != tg.HostPort() {
				return nil, scanners.ErrOutOfScope
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}}
}

// The child runs the templates; its traffic leaves only through this
// process's Env.Dial, its results come back typed, and it writes nothing
// in HOME. The second endpoint reuses the same child.
func TestChildRunsThroughParentGuard(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	s := vulnServer(t)
	tg := target(s)
	var mu sync.Mutex
	var dialed []string
	env := guardEnv(t, tg, &dialed, &mu)
	p := &Probe{}
	defer p.Close()
	start := time.Now()
	obs, err := p.Run(context.Background(), env, tg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first run (child start, engine build): %v", time.Since(start))
	got := map[string]*scanners.NucleiMatch{}
	for _, o := range obs {
		m, ok := o.Data.(*scanners.NucleiMatch)
		if !ok || o.Status != scanners.OK || o.Target != tg || !o.At.Equal(env.Clock()) {
			t.Fatalf("observation %+v", o)
		}
		got[m.TemplateID] = m
	}
	if m := got["shindan-default-login-basic"]; m == nil || m.Severity != "high" || len(m.Extracted) != 1 || m.Extracted[0] != "admin:admin" {
		t.Errorf("default login: %+v", m)
	}
	if got["shindan-apache-cve-2021-41773"] == nil {
		t.Errorf("CVE-2021-41773 did not match: %v", got)
	}
	if m := got[""]; m == nil || m.Templates != 2 || m.MatchedAt != "http://"+tg.HostPort() {
		t.Errorf("summary: %+v", m)
	}
	mu.Lock()
	if len(dialed) == 0 {
		t.Error("the child's traffic did not go through Env.Dial")
	}
	for _, a := range dialed {
		if a != tg.HostPort() {
			t.Errorf("dialed %s, outside the endpoint", a)
		}
	}
	mu.Unlock()
	pid := p.child.cmd.Process.Pid
	s2 := vulnServer(t)
	tg2 := target(s2)
	obs, err = p.Run(context.Background(), guardEnv(t, tg2, &dialed, &mu), tg2)
	if err != nil || len(obs) != 3 {
		t.Errorf("second run: %v, %d observations", err, len(obs))
	}
	if p.child.cmd.Process.Pid != pid {
		t.Error("a second endpoint started a second child")
	}
	if err := p.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if ents, _ := os.ReadDir(home); len(ents) > 0 {
		t.Errorf("the child wrote in HOME: %v", ents)
	}
}

// Without the child every run is Unavailable with the reason: vuln.known
// then gives error, never pass.
func TestChildMissing(t *testing.T) {
	t.Setenv(EnvVar, filepath.Join(t.TempDir(), "no-such-binary"))
	p := &Probe{}
	defer p.Close()
	tg := scanners.Target{Addr: netip.MustParseAddr("127.0.0.1"), Port: 80, Proto: scanners.TCP}
	for range 2 {
		obs, err := p.Run(context.Background(), &scanners.Env{}, tg)
		if err != nil || len(obs) != 1 || obs[0].Status != scanners.Unavailable || !strings.Contains(obs[0].Reason, "no-such-binary") {
			t.Fatalf("%v %+v", err, obs)
		}
	}
	t.Setenv(EnvVar, "")
	t.Setenv("PATH", t.TempDir())
	if _, err := Find(); err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("Find without a child: %v", err)
	}
}

// A child that dies mid-scan makes that run and every later one
// Unavailable, with what it said on stderr.
func TestChildDies(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fake")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nread line\necho 'engine exploded' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvVar, fake)
	p := &Probe{}
	defer p.Close()
	tg := scanners.Target{Addr: netip.MustParseAddr("127.0.0.1"), Port: 80, Proto: scanners.TCP}
	for i := range 2 {
		obs, err := p.Run(context.Background(), &scanners.Env{}, tg)
		if err != nil || len(obs) != 1 || obs[0].Status != scanners.Unavailable {
			t.Fatalf("run %d: %v %+v", i, err, obs)
		}
		if !strings.Contains(obs[0].Reason, "engine exploded") || !strings.Contains(obs[0].Reason, "exit status 3") {
			t.Errorf("run %d: reason %q", i, obs[0].Reason)
		}
	}
	// Garbage instead of a reply is no better.
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nread line\necho 'not json'\nsleep 5\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	p2 := &Probe{}
	defer p2.Close()
	obs, err := p2.Run(context.Background(), &scanners.Env{}, tg)
	if err != nil || len(obs) != 1 || obs[0].Status != scanners.Unavailable || !strings.Contains(obs[0].Reason, "unreadable reply") {
		t.Fatalf("%v %+v", err, obs)
	}
}

// A --templates directory that is not one stops the scan, as it did
// in-process.
func TestTemplatesDirMissing(t *testing.T) {
	s := vulnServer(t)
	tg := target(s)
	env := &scanners.Env{IOTimeout: time.Second, Settings: scanners.Settings{Nuclei: scanners.NucleiSettings{
		TemplateDirs: []string{filepath.Join(t.TempDir(), "missing")}}}}
	p := &Probe{}
	defer p.Close()
	if _, err := p.Run(context.Background(), env, tg); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("want a --templates error, got %v", err)
	}
}

// A cancelled scan gets its answer promptly: the child stops the run and
// stays usable.
func TestCancel(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer func() { close(release); slow.Close() }()
	tg := target(slow)
	env := &scanners.Env{IOTimeout: 30 * time.Second}
	p := &Probe{}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	obs, err := p.Run(ctx, env, tg)
	if err != nil || len(obs) != 1 || obs[0].Status == scanners.OK {
		t.Fatalf("%v %+v", err, obs)
	}
	if d := time.Since(start); d > 3*time.Second+cancelGrace {
		t.Errorf("cancelled run took %v", d)
	}
	t.Logf("cancelled run: %v, %s: %s", time.Since(start), obs[0].Status, obs[0].Reason)
	s := vulnServer(t)
	obs, err = p.Run(context.Background(), &scanners.Env{IOTimeout: 3 * time.Second}, target(s))
	if err != nil || len(obs) < 2 {
		t.Fatalf("after cancel: %v %+v", err, obs)
	}
}

// The real child killed between two endpoints: the rest of the scan is
// Unavailable with the reason (checks give error), and the next scan
// (after the engine's Close) starts a new child.
func TestRealChildKilled(t *testing.T) {
	s := vulnServer(t)
	tg := target(s)
	env := &scanners.Env{IOTimeout: 3 * time.Second}
	p := &Probe{}
	defer p.Close()
	if obs, err := p.Run(context.Background(), env, tg); err != nil || len(obs) < 2 {
		t.Fatalf("%v %+v", err, obs)
	}
	if err := p.child.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		obs, err := p.Run(context.Background(), env, tg)
		if err != nil || len(obs) != 1 || obs[0].Status != scanners.Unavailable || !strings.Contains(obs[0].Reason, "killed") {
			t.Fatalf("after kill: %v %+v", err, obs)
		}
	}
	p.Close() //nolint:errcheck
	if obs, err := p.Run(context.Background(), env, tg); err != nil || len(obs) < 2 || obs[len(obs)-1].Status != scanners.OK {
		t.Fatalf("next scan: %v %+v", err, obs)
	}
}
