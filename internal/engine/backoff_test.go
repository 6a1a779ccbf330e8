package engine

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/checks"
	"shindan/reports"
	"shindan/scanners"
)

// busyServer answers the first `busy` HELOs with 421 and the rest with
// 250 on loopback, and records when each HELO came (connections that
// send nothing, like discovery's, do not count).
type busyServer struct {
	ln   net.Listener
	busy int
	mu   sync.Mutex
	at   []time.Time
}

func newBusyServer(t *testing.T, busy int) *busyServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &busyServer{ln: ln, busy: busy}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(3 * time.Second))
				line, err := bufio.NewReader(c).ReadString('\n')
				if err != nil || !strings.HasPrefix(line, "HELO") {
					return
				}
				s.mu.Lock()
				s.at = append(s.at, time.Now())
				n := len(s.at)
				s.mu.Unlock()
				if n <= s.busy {
					_, _ = c.Write([]byte("421 too many connections, try later\r\n"))
					return
				}
				_, _ = c.Write([]byte("250 hello\r\n"))
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *busyServer) port() uint16 { return uint16(s.ln.Addr().(*net.TCPAddr).Port) }

// heloProbe says HELO and reports a 421 as RateLimited, as smtpscan does.
type heloProbe struct{}

func (heloProbe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: "fake.helo", Level: scanners.LevelEndpoint, Services: []string{"fake"}, After: []string{"svc.ident"}}
}
func (heloProbe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	c, err := env.DialContext(ctx, "tcp", t.HostPort())
	if err != nil {
		return []scanners.Observation{scanners.Failed("fake.helo", t, env.Clock(), err)}, nil
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("HELO shindan\r\n")); err != nil {
		return []scanners.Observation{scanners.Failed("fake.helo", t, env.Clock(), err)}, nil
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	switch {
	case err != nil:
		return []scanners.Observation{scanners.Failed("fake.helo", t, env.Clock(), err)}, nil
	case strings.HasPrefix(line, "421"):
		return []scanners.Observation{{Target: t, Status: scanners.RateLimited, Reason: strings.TrimSpace(line)}}, nil
	}
	return []scanners.Observation{{Target: t, Status: scanners.OK}}, nil
}

// heloCheck passes an endpoint that greeted us, and cannot decide one
// that kept deferring us.
type heloCheck struct{}

func (heloCheck) Info() checks.Info {
	return checks.Info{ID: "service.helo", Articles: []string{"55-3"}, Needs: []string{"fake.helo"},
		Severity: checks.Low, Title: checks.T("挨拶", "greeting")}
}
func (c heloCheck) Evaluate(in *checks.Input) []checks.Finding {
	var out []checks.Finding
	for _, o := range in.ByProbe("fake.helo") {
		if o.Status != scanners.OK {
			out = append(out, checks.Undecided(c.Info(), o, "helo"))
			continue
		}
		out = append(out, checks.New(c.Info(), o.Target, "helo").Decided(checks.Pass))
	}
	return out
}

func scaledRetries(t *testing.T, d ...time.Duration) {
	old := rateRetries
	rateRetries = d
	t.Cleanup(func() { rateRetries = old })
}

// runHelo scans srv with the fake HELO probe and its check.
func runHelo(t *testing.T, srv *busyServer) *reports.Report {
	t.Helper()
	reg := scanners.NewRegistry()
	reg.Add(fakeIdent{})
	reg.Add(heloProbe{})
	cfg := config(t, reg, srv.port())
	cfg.Checks = []checks.Check{heloCheck{}}
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestBackoffOnDeferral: a host that answers 421 is not asked again at
// once: the probe waits the backoff steps and its verdict comes from the
// attempt the host accepted.
func TestBackoffOnDeferral(t *testing.T) {
	scaledRetries(t, 300*time.Millisecond, 600*time.Millisecond)
	srv := newBusyServer(t, 2)
	r := runHelo(t, srv)
	if len(r.Findings) != 1 || r.Findings[0].Status != "pass" {
		t.Fatalf("findings %+v, want one pass from the accepted attempt", r.Findings)
	}
	srv.mu.Lock()
	at := srv.at
	srv.mu.Unlock()
	if len(at) != 3 {
		t.Fatalf("%d HELOs, want 3 (two deferred, one accepted)", len(at))
	}
	for i, min := range []time.Duration{300 * time.Millisecond, 600 * time.Millisecond} {
		if gap := at[i+1].Sub(at[i]); gap < min {
			t.Errorf("attempt %d came %s after a 421, want at least %s", i+2, gap, min)
		}
	}
}

// TestBackoffGivesUp: a host that keeps deferring gets the bounded
// retries, then the check reports error with the host's reason, never a
// pass.
func TestBackoffGivesUp(t *testing.T) {
	scaledRetries(t, 100*time.Millisecond, 100*time.Millisecond)
	srv := newBusyServer(t, 100)
	r := runHelo(t, srv)
	if len(r.Findings) != 1 || r.Findings[0].Status != "error" {
		t.Fatalf("findings %+v, want one error", r.Findings)
	}
	srv.mu.Lock()
	n := len(srv.at)
	srv.mu.Unlock()
	if n != 1+len(rateRetries) {
		t.Fatalf("%d HELOs, want %d", n, 1+len(rateRetries))
	}
}
