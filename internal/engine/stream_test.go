package engine

import (
	"bytes"
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/internal/scope"
	"shindan/internal/targets"
	"shindan/reports"
	"shindan/scanners"
)

// recordSink records the order of the calls it gets.
type recordSink struct {
	mu     sync.Mutex
	calls  []string
	finds  []reports.Finding
	report *reports.Report
}

func (s *recordSink) note(c string) { s.mu.Lock(); s.calls = append(s.calls, c); s.mu.Unlock() }
func (s *recordSink) Begin(context.Context, reports.Scan) error {
	s.note("begin")
	return nil
}
func (s *recordSink) Assets(_ context.Context, as []reports.Asset) error {
	s.note("assets")
	return nil
}
func (s *recordSink) Findings(_ context.Context, fs []reports.Finding) error {
	s.note("findings")
	s.mu.Lock()
	s.finds = append(s.finds, fs...)
	s.mu.Unlock()
	return nil
}
func (s *recordSink) UnitDone(_ context.Context, u Unit) error {
	s.note("unit " + u.Host)
	return nil
}
func (s *recordSink) End(_ context.Context, r *reports.Report) error {
	s.note("end")
	s.report = r
	return nil
}

// slowIdent identifies like fakeIdent, but slowly on 127.0.0.2, so the
// first host's findings must be streamed while the second still runs.
type slowIdent struct{ delay time.Duration }

func (slowIdent) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: "svc.ident", Level: scanners.LevelEndpoint}
}
func (s slowIdent) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	if t.Addr.String() == "127.0.0.2" {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
		}
	}
	return fakeIdent{}.Run(ctx, env, t)
}

func twoHostConfig(t *testing.T, reg *scanners.Registry, port uint16) Config {
	cfg := config(t, reg, port)
	sp, err := parseSpec("127.0.0.2")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Targets = append(cfg.Targets, sp)
	cfg.RawTargets = append(cfg.RawTargets, "127.0.0.2")
	return cfg
}

func TestStreamsFindingsPerHost(t *testing.T) {
	port, stop := listenAll(t)
	defer stop()
	reg := scanners.NewRegistry()
	reg.Add(slowIdent{delay: 600 * time.Millisecond})
	reg.Add(fakeBanner{})
	sink := &recordSink{}
	cfg := twoHostConfig(t, reg, port)
	cfg.Sinks = []Sink{sink}
	var firstAt time.Time
	var once sync.Once
	start := time.Now()
	cfg.Sinks = append(cfg.Sinks, findingsHook(func() { once.Do(func() { firstAt = time.Now() }) }))
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 2 || !r.Scan.Complete {
		t.Fatalf("findings %d complete %v, want 2 and complete", len(r.Findings), r.Scan.Complete)
	}
	// 127.0.0.1's findings arrive before 127.0.0.2 is identified.
	if d := firstAt.Sub(start); firstAt.IsZero() || d > 500*time.Millisecond {
		t.Fatalf("first findings streamed after %s; want before the slow host finished", d)
	}
	want := "begin,findings,assets,unit 127.0.0.1,findings,assets,unit 127.0.0.2,end"
	if got := strings.Join(sink.calls, ","); got != want {
		t.Fatalf("sink calls %s, want %s", got, want)
	}
	if len(sink.finds) != len(r.Findings) {
		t.Fatalf("streamed %d findings, report has %d", len(sink.finds), len(r.Findings))
	}
}

// findingsHook is a Sink that calls f on every Findings call.
type findingsHook func()

func (findingsHook) Begin(context.Context, reports.Scan) error     { return nil }
func (findingsHook) Assets(context.Context, []reports.Asset) error { return nil }
func (h findingsHook) Findings(context.Context, []reports.Finding) error {
	h()
	return nil
}
func (findingsHook) End(context.Context, *reports.Report) error { return nil }

// TestResumeFromJSONL interrupts a two-host scan after the first host,
// resumes it from the JSONL stream and expects the findings of an
// uninterrupted scan, with the finished host not probed again.
func TestResumeFromJSONL(t *testing.T) {
	port, stop := listenAll(t)
	defer stop()
	reg := scanners.NewRegistry()
	reg.Add(fakeIdent{})
	reg.Add(fakeBanner{})
	full, err := Run(context.Background(), twoHostConfig(t, reg, port))
	if err != nil {
		t.Fatal(err)
	}

	// First run: 127.0.0.2 blocks until the scan is cancelled, which
	// happens as soon as 127.0.0.1 is done.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg1 := scanners.NewRegistry()
	reg1.Add(slowIdent{delay: time.Hour})
	reg1.Add(fakeBanner{})
	var buf bytes.Buffer
	cfg := twoHostConfig(t, reg1, port)
	cfg.Sinks = []Sink{NewJSONL(&buf), unitHook(func(u Unit) {
		if u.Host == "127.0.0.1" {
			cancel()
		}
	})}
	part, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if part.Scan.Complete {
		t.Fatal("the first run should be interrupted")
	}
	res, err := ReadJSONL(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Units) != 1 || res.Units[0].Host != "127.0.0.1" || res.ScanID != part.Scan.ID {
		t.Fatalf("resume state %+v", res)
	}

	// Second run: a probe on 127.0.0.1 would be a bug.
	reg2 := scanners.NewRegistry()
	reg2.Add(guardIdent{t: t, forbid: "127.0.0.1"})
	reg2.Add(fakeBanner{})
	cfg2 := twoHostConfig(t, reg2, port)
	cfg2.Resume = res
	r, err := Run(context.Background(), cfg2)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Scan.Complete || r.Scan.ResumedFrom != part.Scan.ID || r.Scan.ID != part.Scan.ID {
		t.Fatalf("resumed scan %+v", r.Scan)
	}
	if got, want := findingKeys(r), findingKeys(full); got != want {
		t.Fatalf("resumed findings\n%s\nwant (uninterrupted)\n%s", got, want)
	}
	if r.Scan.Stats.HostsAlive != 2 {
		t.Fatalf("stats %+v", r.Scan.Stats)
	}
}

func findingKeys(r *reports.Report) string {
	var ks []string
	for _, f := range r.Findings {
		ks = append(ks, f.ID+" "+f.Check+" "+f.Target+" "+f.Status)
	}
	slices.Sort(ks)
	return strings.Join(ks, "\n")
}

// guardIdent fails the test when it runs on the forbidden host.
type guardIdent struct {
	t      *testing.T
	forbid string
}

func (guardIdent) Info() scanners.ProbeInfo { return fakeIdent{}.Info() }
func (g guardIdent) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	if t.Addr.String() == g.forbid {
		g.t.Errorf("resumed scan probed finished host %s", t)
	}
	return fakeIdent{}.Run(ctx, env, t)
}

// unitHook is a UnitSink that calls f on every unit.
type unitHook func(Unit)

func (unitHook) Begin(context.Context, reports.Scan) error         { return nil }
func (unitHook) Assets(context.Context, []reports.Asset) error     { return nil }
func (unitHook) Findings(context.Context, []reports.Finding) error { return nil }
func (unitHook) End(context.Context, *reports.Report) error        { return nil }
func (h unitHook) UnitDone(_ context.Context, u Unit) error {
	h(u)
	return nil
}

func TestReadJSONLTornLastLine(t *testing.T) {
	good := `{"type":"begin","scan":{"id":"S1","started_at":"2026-01-01T00:00:00Z","finished_at":"0001-01-01T00:00:00Z","targets":[],"complete":false}}` + "\n" +
		`{"type":"unit","unit":{"host":"127.0.0.1"}}` + "\n"
	r, err := ReadJSONL(strings.NewReader(good + `{"type":"fin`))
	if err != nil || len(r.Units) != 1 {
		t.Fatalf("torn last line: %v %+v", err, r)
	}
	if _, err := ReadJSONL(strings.NewReader(`{"type":"fin` + "\n" + good)); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("a bad line in the middle must be an error naming it, got %v", err)
	}
	if _, err := ReadJSONL(strings.NewReader(good + `{"type":"end","scan":{"id":"S1","started_at":"2026-01-01T00:00:00Z","finished_at":"2026-01-01T00:00:00Z","targets":[],"complete":true}}` + "\n")); err == nil {
		t.Fatal("a complete scan cannot be resumed")
	}
}

func parseSpec(s string) (targets.Spec, error) { return targets.Parse(s, "test") }

// listenAll listens on one port on 127.0.0.1 and 127.0.0.2.
func listenAll(t *testing.T) (uint16, func()) {
	ln1, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln1.Addr().(*net.TCPAddr).Port
	ln2, err := net.Listen("tcp", "127.0.0.2:"+strconv.Itoa(port))
	if err != nil {
		ln1.Close()
		t.Skipf("127.0.0.2 not usable: %v", err)
	}
	for _, ln := range []net.Listener{ln1, ln2} {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	return uint16(port), func() { ln1.Close(); ln2.Close() }
}

// TestHostTimeout: a host whose probe stalls is cut at --host-timeout,
// reported incomplete with what was done, its undecided check an error;
// the other host is unaffected.
func TestHostTimeout(t *testing.T) {
	port, stop := listenAll(t)
	defer stop()
	reg := scanners.NewRegistry()
	reg.Add(slowIdent{delay: time.Hour})
	reg.Add(fakeBanner{})
	cfg := twoHostConfig(t, reg, port)
	cfg.HostTimeout = 300 * time.Millisecond
	start := time.Now()
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("host timeout 300ms, scan took %s", d)
	}
	if len(r.Scan.Incomplete) != 1 || r.Scan.Incomplete[0].Host != "127.0.0.2" ||
		!strings.Contains(r.Scan.Incomplete[0].Reason, "host-timeout") || !strings.Contains(r.Scan.Incomplete[0].Done, "1 open ports") {
		t.Fatalf("incomplete hosts %+v", r.Scan.Incomplete)
	}
	var ok1, err2 bool
	for _, f := range r.Findings {
		ok1 = ok1 || f.Host == "127.0.0.1" && f.Status == "fail"
		err2 = err2 || f.Host == "127.0.0.2" && f.Status == "error"
		if f.Host == "127.0.0.2" && f.Status == "pass" {
			t.Fatalf("a cut host passed: %+v", f)
		}
	}
	if !ok1 || !err2 {
		t.Fatalf("findings %+v: want 127.0.0.1 decided and 127.0.0.2 error", r.Findings)
	}
}

// TestInterruptedSweepIsCompact: hosts never reached are counted as
// ranges in not_scanned, not listed as findings.
func TestInterruptedSweepIsCompact(t *testing.T) {
	reg := scanners.NewRegistry()
	reg.Add(fakeIdent{})
	reg.Add(fakeBanner{})
	cfg := config(t, reg, 9)
	sp, err := targets.Parse("127.0.1.0/24", "test")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Targets, cfg.Hosts = []targets.Spec{sp}, 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.Guard = func(*scope.Guard) { cancel() } // interrupted before the first packet
	r, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scan.Complete || r.Scan.NotScanned == nil || r.Scan.NotScanned.Hosts != 256 ||
		len(r.Scan.NotScanned.Ranges) != 1 || r.Scan.NotScanned.Ranges[0] != "127.0.1.0-127.0.1.255" {
		t.Fatalf("scan %+v not_scanned %+v", r.Scan, r.Scan.NotScanned)
	}
	if len(r.Findings) != 0 || r.Scan.Stats.HostsAlive != 0 {
		t.Fatalf("findings %d, stats %+v: want none, 0 alive", len(r.Findings), r.Scan.Stats)
	}
}
