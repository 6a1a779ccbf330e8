package engine

import (
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/internal/targets"
	"shindan/scanners"
	"shindan/scanners/portscan"
)

// fakeIdent names every open port "fake".
type fakeIdent struct{}

func (fakeIdent) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: "svc.ident", Level: scanners.LevelEndpoint}
}
func (fakeIdent) Run(_ context.Context, _ *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	return []scanners.Observation{{Target: t, Status: scanners.OK,
		Data: &scanners.Service{Proto: scanners.TCP, Port: t.Port, Name: "fake", Banner: "hello"}}}, nil
}

// fakeBanner reads the banner of "fake" services; block makes it wait for
// cancellation (to test interruption).
type fakeBanner struct {
	block  bool
	cancel context.CancelFunc
}

func (fakeBanner) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: "fake.banner", Level: scanners.LevelEndpoint, Services: []string{"fake"}, After: []string{"svc.ident"}}
}
func (b fakeBanner) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	if b.block {
		b.cancel()
		<-ctx.Done()
		return nil, nil
	}
	prior := env.Prior("svc.ident", t)
	if len(prior) != 1 {
		return []scanners.Observation{{Target: t, Status: scanners.Internal, Reason: "no prior ident"}}, nil
	}
	c, err := env.DialContext(ctx, "tcp", t.HostPort())
	if err != nil {
		return []scanners.Observation{scanners.Failed("fake.banner", t, env.Clock(), err)}, nil
	}
	c.Close()
	return []scanners.Observation{{Target: t, Status: scanners.OK, Data: prior[0].Data}}, nil
}

// bannerCheck fails every fake service it sees.
type bannerCheck struct{}

func (bannerCheck) Info() checks.Info {
	return checks.Info{ID: "service.exposed", Articles: []string{"55-3"}, Needs: []string{"port.tcp", "fake.banner"},
		Severity: checks.Medium, Title: checks.T("公開", "exposed")}
}
func (c bannerCheck) Evaluate(in *checks.Input) []checks.Finding {
	var out []checks.Finding
	for _, o := range in.ByProbe("fake.banner") {
		if o.Status != scanners.OK {
			out = append(out, checks.Undecided(c.Info(), o, "banner"))
			continue
		}
		out = append(out, checks.New(c.Info(), o.Target, "banner").Decided(checks.Fail))
	}
	return out
}

func listen(t *testing.T) (uint16, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return uint16(ln.Addr().(*net.TCPAddr).Port), func() { ln.Close() }
}

func config(t *testing.T, reg *scanners.Registry, ports ...uint16) Config {
	sp, err := targets.Parse("127.0.0.1", "arg")
	if err != nil {
		t.Fatal(err)
	}
	return Config{Targets: []targets.Spec{sp}, RawTargets: []string{"127.0.0.1"}, Checks: []checks.Check{bannerCheck{}},
		Ports: portscan.Spec{TCP: ports}, Registry: reg, ToolVersion: "test", Timeout: time.Second}
}

func TestRunPipeline(t *testing.T) {
	p1, stop1 := listen(t)
	defer stop1()
	p2, stop2 := listen(t)
	defer stop2()
	reg := scanners.NewRegistry()
	reg.Add(fakeIdent{})
	reg.Add(fakeBanner{})
	r, err := Run(context.Background(), config(t, reg, p1, p2, 1))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Scan.Complete || len(r.Findings) != 2 {
		t.Fatalf("complete=%v findings=%d, want complete with 2", r.Scan.Complete, len(r.Findings))
	}
	for _, f := range r.Findings {
		if f.Status != "fail" || f.Severity != "medium" || !strings.HasPrefix(f.Target, "127.0.0.1:") {
			t.Errorf("finding %+v", f)
		}
	}
	if len(r.Assets) != 1 || len(r.Assets[0].Services) != 2 || r.Assets[0].Services[0].Service != "fake" {
		t.Fatalf("assets %+v", r.Assets)
	}
	if r.Summary["55-3"].Fail != 2 {
		t.Fatalf("summary %+v", r.Summary)
	}
	if r.Scan.Stats.PortsOpen != 2 || r.Scan.Stats.HostsAlive != 1 || r.Scan.Stats.ProbesSent < 5 {
		t.Fatalf("stats %+v", r.Scan.Stats)
	}
	// Stable IDs: a second scan gives the same finding IDs.
	r2, err := Run(context.Background(), config(t, reg, p1, p2, 1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Findings[0].ID != r2.Findings[0].ID || r.Findings[1].ID != r2.Findings[1].ID || r.Scan.ID == r2.Scan.ID {
		t.Fatal("finding IDs must be stable across scans and scan IDs unique")
	}
}

func TestRunPolicySeverityAndWaiver(t *testing.T) {
	p1, stop := listen(t)
	defer stop()
	reg := scanners.NewRegistry()
	reg.Add(fakeIdent{})
	reg.Add(fakeBanner{})
	cfg := config(t, reg, p1)
	pol, err := checks.ParsePolicy("p.yaml", []byte("version: 1\nseverity:\n  service.exposed: critical\nwaivers:\n  - check: service.*\n    target: 127.0.0.1:"+
		strconv.Itoa(int(p1))+"\n    reason: migration\n    until: 2999-01-01\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Policy = pol
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := r.Findings[0]
	if f.Severity != "critical" || f.Waiver == nil || f.Waiver.Until != "2999-01-01" || f.Status != "fail" {
		t.Fatalf("finding %+v, want critical, waived, still fail", f)
	}
}

func TestRunInterrupted(t *testing.T) {
	p1, stop := listen(t)
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := scanners.NewRegistry()
	reg.Add(fakeIdent{})
	reg.Add(fakeBanner{block: true, cancel: cancel})
	r, err := Run(ctx, config(t, reg, p1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Scan.Complete || !strings.Contains(r.Scan.InterruptedReason, "interrupted") {
		t.Fatalf("scan %+v should be incomplete", r.Scan)
	}
	var errs int
	for _, f := range r.Findings {
		if f.Status == "pass" {
			t.Fatalf("an interrupted scan must never pass: %+v", f)
		}
		if f.Status == "error" {
			errs++
		}
	}
	if errs == 0 {
		t.Fatal("the unfinished probe must appear as an error finding")
	}
}

func TestPlanUnknownProbe(t *testing.T) {
	_, err := newEngine(config(t, scanners.NewRegistry(), 1))
	if err == nil || !strings.Contains(err.Error(), "fake.banner") {
		t.Fatalf("err = %v, want a missing-probe error", err)
	}
}

// closingIdent is an ident probe that holds a resource for the scan.
type closingIdent struct {
	fakeIdent
	closed *bool
}

func (c closingIdent) Close() error { *c.closed = true; return nil }
func (closingIdent) TemplateSet(extra []string) (string, error) {
	return "3 templates, sha256:abc" + strings.Join(extra, ","), nil
}

func TestRunClosesProbesAndNamesTemplates(t *testing.T) {
	p1, stop := listen(t)
	defer stop()
	closed := false
	reg := scanners.NewRegistry()
	reg.Add(closingIdent{closed: &closed})
	reg.Add(fakeBanner{})
	r, err := Run(context.Background(), config(t, reg, p1))
	if err != nil {
		t.Fatal(err)
	}
	if !closed {
		t.Fatal("a probe implementing io.Closer must be closed when the scan ends")
	}
	if r.Tool.NucleiTemplates != "3 templates, sha256:abc" {
		t.Fatalf("tool.nuclei_templates = %q", r.Tool.NucleiTemplates)
	}
}
