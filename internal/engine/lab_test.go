//go:build netlab

package engine

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/internal/netlab"
	"shindan/internal/targets"
	"shindan/scanners"
	"shindan/scanners/portscan"
)

// portsCheck needs only discovery, so these tests exercise the engine, the
// scope guard and the connect scanner against real hosts.
type portsCheck struct{}

func (portsCheck) Info() checks.Info {
	return checks.Info{ID: "service.exposed", Articles: []string{"55-3"}, Needs: []string{"port.tcp"},
		Severity: checks.Medium, Title: checks.T("公開", "exposed")}
}
func (c portsCheck) Evaluate(in *checks.Input) []checks.Finding {
	var out []checks.Finding
	for _, o := range in.ByProbe("port.tcp") {
		if o.Target.Port != 0 {
			out = append(out, checks.New(c.Info(), o.Target, "port").Decided(checks.InfoS))
		}
	}
	return out
}

// capture runs tcpdump on iface until stop is called and returns the
// capture's packet lines ("-tt" timestamps first). Immediate mode matters:
// with the default block-buffered ring, the packets of the last block are
// lost when tcpdump is stopped.
func capture(t *testing.T, iface, filter string) (stop func() []string) {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Fatal("tcpdump is needed for the capture tests (testdata/lab/lab install brings it)")
	}
	file := filepath.Join(t.TempDir(), "cap.pcap")
	cmd := exec.Command("tcpdump", "-i", iface, "-n", "-U", "--immediate-mode", "-w", file, filter)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				close(ready)
				break
			}
		}
		for sc.Scan() {
		}
	}()
	select {
	case <-ready:
		// "listening on" is printed as the capture opens; give the kernel
		// a moment to attach the filter before the first probe.
		time.Sleep(300 * time.Millisecond)
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("tcpdump did not start")
	}
	return func() []string {
		time.Sleep(200 * time.Millisecond) // let the last packets reach the file
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		out, err := exec.Command("tcpdump", "-r", file, "-n", "-tt").Output()
		if err != nil {
			t.Fatalf("reading the capture: %v", err)
		}
		s := strings.TrimSpace(string(out))
		if s == "" {
			return nil
		}
		return strings.Split(s, "\n")
	}
}

func labConfig(t *testing.T, tgts, excl []string, ports string) Config {
	t.Helper()
	var cfg Config
	for _, s := range tgts {
		sp, err := targets.Parse(s, "test")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Targets = append(cfg.Targets, sp)
	}
	for _, s := range excl {
		sp, err := targets.Parse(s, "test")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Excludes = append(cfg.Excludes, sp)
	}
	sp, err := portscan.ParseSpec(ports)
	if err != nil {
		t.Fatal(err)
	}
	reg := scanners.NewRegistry()
	cfg.Ports, cfg.Checks, cfg.Registry, cfg.Timeout = sp, []checks.Check{portsCheck{}}, reg, 2*time.Second
	return cfg
}

// TestLabExcludedAddressReceivesNothing scans the range from the legacy
// host to the guard host (live and dead addresses) with guard excluded and
// proves with a capture that guard's addresses never saw a packet, while
// legacy's open ports were found on both families. The guard host is
// reserved for these tests, so no other test's traffic muddies the capture.
func TestLabExcludedAddressReceivesNothing(t *testing.T) {
	lab := netlab.Require(t)
	legacy, clean := lab.Hosts["legacy"], lab.Hosts["guard"]
	stop := capture(t, lab.Scanner.Ext.Iface, "host "+clean.IPv4.String()+" or host "+clean.IPv6.String())
	cfg := labConfig(t, []string{legacy.IPv4.String() + "-" + strconv.Itoa(int(clean.IPv4.As4()[3])), clean.IPv6.String(), legacy.IPv6.String()},
		[]string{clean.IPv4.String(), clean.IPv6.String()}, "top1000,extra")
	cfg.Hosts = 16
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	pkts := stop()
	if len(pkts) != 0 {
		t.Fatalf("the excluded host received %d packets:\n%s", len(pkts), strings.Join(pkts[:min(5, len(pkts))], "\n"))
	}
	found := map[string]bool{}
	for _, f := range r.Findings {
		found[f.Target] = true
		if f.Host == clean.IPv4.String() || f.Host == clean.IPv6.String() {
			t.Fatalf("finding on the excluded host: %+v", f)
		}
	}
	for _, p := range []string{"21", "23", "6379", "11211"} {
		if !found[legacy.IPv4.String()+":"+p] || !found["["+legacy.IPv6.String()+"]:"+p] {
			t.Errorf("legacy port %s not found on both address families; findings: %v", p, found)
		}
	}
}

// TestLabRateLimit scans 600 ports of the guard host at --rate 300 and
// checks in a capture that the SYNs never exceed the budget.
func TestLabRateLimit(t *testing.T) {
	lab := netlab.Require(t)
	clean := lab.Hosts["guard"]
	stop := capture(t, lab.Scanner.Ext.Iface, "dst host "+clean.IPv4.String()+" and tcp[tcpflags] & tcp-syn != 0")
	cfg := labConfig(t, []string{clean.IPv4.String()}, nil, "1000-1599")
	cfg.Rate = 300
	start := time.Now()
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	pkts := stop()
	if len(pkts) < 600 {
		t.Fatalf("captured %d SYNs, want at least 600", len(pkts))
	}
	first, _ := strconv.ParseFloat(strings.Fields(pkts[0])[0], 64)
	last, _ := strconv.ParseFloat(strings.Fields(pkts[len(pkts)-1])[0], 64)
	span := last - first
	// 600 SYNs at 300/s need ≥ ~1.9 s (burst 6). Allow 10% timing slack.
	if rate := float64(len(pkts)-6) / span; span <= 0 || rate > 330 {
		t.Fatalf("%d SYNs in %.2fs = %.0f/s, above the 300/s budget", len(pkts), span, rate)
	}
	t.Logf("%d SYNs in %.2fs (scan %v): %.0f/s at --rate 300", len(pkts), span, elapsed, float64(len(pkts))/span)
}
