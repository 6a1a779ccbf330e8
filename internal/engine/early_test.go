package engine

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

// slowHost is a host-level probe that takes its time (like the
// reflector's UDP window) and depends on nothing but discovery.
type slowHost struct{ delay time.Duration }

func (slowHost) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: "fake.slow", Level: scanners.LevelHost, After: []string{scanners.ProbePortTCP}}
}
func (s slowHost) Run(ctx context.Context, _ *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
	}
	return []scanners.Observation{{Target: t, Status: scanners.OK}}, nil
}

// slowCheck passes every host fake.slow saw.
type slowCheck struct{}

func (slowCheck) Info() checks.Info {
	return checks.Info{ID: "service.slow", Articles: []string{"55-3"}, Needs: []string{"fake.slow"},
		Severity: checks.Low, Title: checks.T("遅い", "slow")}
}
func (c slowCheck) Evaluate(in *checks.Input) []checks.Finding {
	var out []checks.Finding
	for _, o := range in.ByProbe("fake.slow") {
		out = append(out, checks.New(c.Info(), o.Target, "slow").Decided(checks.Pass))
	}
	return out
}

// TestEarlyChecksStreamBeforeSlowProbes: a check whose probes are done
// for a host is decided and streamed while a slow probe of the same host
// still runs; the host's unit record lists those findings too (resume).
func TestEarlyChecksStreamBeforeSlowProbes(t *testing.T) {
	port, stop := listen(t)
	defer stop()
	reg := scanners.NewRegistry()
	reg.Add(fakeIdent{})
	reg.Add(fakeBanner{})
	reg.Add(slowHost{delay: 700 * time.Millisecond})
	cfg := config(t, reg, port)
	cfg.Checks = append(cfg.Checks, slowCheck{})
	var (
		mu    sync.Mutex
		first time.Time
		units []Unit
	)
	rec := &recordSink{}
	start := time.Now()
	cfg.Sinks = []Sink{findingsHook(func() {
		mu.Lock()
		if first.IsZero() {
			first = time.Now()
		}
		mu.Unlock()
	}), unitHook(func(u Unit) { units = append(units, u) }), rec}
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 700*time.Millisecond {
		t.Fatalf("scan took %s, shorter than the slow probe", took)
	}
	if d := first.Sub(start); first.IsZero() || d > 400*time.Millisecond {
		t.Fatalf("first finding streamed after %s; want it before the slow probe (700ms) ended", d)
	}
	var ids []string
	for _, f := range rec.finds {
		ids = append(ids, f.ID)
	}
	if len(ids) != 2 || len(r.Findings) != 2 || !r.Scan.Complete {
		t.Fatalf("findings %+v complete %v, want the early fail and the late pass", r.Findings, r.Scan.Complete)
	}
	if len(units) != 1 || len(units[0].FindingIDs) != 2 {
		t.Fatalf("unit records %+v, want one listing both findings %v", units, ids)
	}
	for _, id := range ids {
		if !slices.Contains(units[0].FindingIDs, id) {
			t.Fatalf("unit %+v misses finding %s", units[0], id)
		}
	}
	checksSeen := map[string]string{}
	for _, f := range r.Findings {
		checksSeen[f.Check] = f.Status
	}
	if checksSeen["service.exposed"] != "fail" || checksSeen["service.slow"] != "pass" {
		t.Fatalf("verdicts %v", checksSeen)
	}
}
