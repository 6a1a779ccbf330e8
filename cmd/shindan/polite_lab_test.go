//go:build netlab

package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"shindan/internal/netlab"
)

// crowd holds n connections to addr open as slow clients, one header line
// every 2 s so the server's idle timeout never frees them, until stop: other
// users of a small server, taking most of its workers while we scan.
func crowd(t *testing.T, addr string, n int) (stop func()) {
	t.Helper()
	var conns []net.Conn
	for range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET http://lab.invalid/ HTTP/1.1\r\n")) //nolint:errcheck
		conns = append(conns, c)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(2 * time.Second)
		defer tk.Stop()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			case <-tk.C:
				for _, c := range conns {
					fmt.Fprintf(c, "X-Wait-%d: 1\r\n", i) //nolint:errcheck
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	}
}

// TestLabPoliteToASmallProxy scans both addresses of the reflector's
// tinyproxy (MaxClients 20, Timeout 10) with the external profile three
// times while 14 of its 20 workers are taken by other clients: every
// finding on :8888 of both addresses must be decided (no error).
func TestLabPoliteToASmallProxy(t *testing.T) {
	lab := netlab.Require(t)
	h := lab.Hosts["reflector"]
	stop := crowd(t, net.JoinHostPort(h.IPv4.String(), "8888"), 14)
	defer stop()
	for i := range 3 {
		dir := t.TempDir()
		start := time.Now()
		code, out := run(t, context.Background(), "scan", "--no-progress", "--profile", "external", "--format", "json",
			"-o", dir, "--fail-on", "none", h.IPv4.String(), h.IPv6.String())
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, out)
		}
		r, _ := readReport(t, filepath.Join(dir, "report.json"))
		per := map[string]int{}
		for _, f := range r.Findings {
			if f.Port != 8888 {
				continue
			}
			per[f.Host]++
			if f.Status == "error" {
				t.Errorf("run %d: %s %s is error: %s", i+1, f.Check, f.Target, f.Detail.EN)
			}
		}
		for _, a := range []string{h.IPv4.String(), h.IPv6.String()} {
			if per[a] == 0 {
				t.Errorf("run %d: no findings on %s:8888", i+1, a)
			}
		}
		t.Logf("run %d: %v findings on :8888 in %s", i+1, per, time.Since(start).Round(time.Millisecond))
	}
}
