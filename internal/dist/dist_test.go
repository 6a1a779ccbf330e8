package dist

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"shindan/checks"
	_ "shindan/checks/svccheck"
	"shindan/internal/engine"
	"shindan/internal/targets"
	"shindan/reports"
	"shindan/scanners/portscan"
	_ "shindan/scanners/svcscan"
)

// listener is a loopback TCP server that greets like an SSH daemon and
// counts connections, so the scans below find one open port on 127.0.0.1.
type listener struct {
	ln    net.Listener
	conns atomic.Int64
}

func listen(t *testing.T, addr string) *listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Fatal(err)
	}
	l := &listener{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.conns.Add(1)
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(2 * time.Second))
				c.Write([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
				buf := make([]byte, 256)
				c.Read(buf)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return l
}

func (l *listener) port() uint16 { return uint16(l.ln.Addr().(*net.TCPAddr).Port) }

type env struct {
	emb *Embedded
	js  jetstream.JetStream
	log *bytes.Buffer
	mu  sync.Mutex
}

func newEnv(t *testing.T) *env {
	t.Helper()
	emb, err := StartEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	nc, js, err := Connect(emb.URL(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if _, err := ensureStreams(context.Background(), js); err != nil {
		t.Fatal(err)
	}
	return &env{emb: emb, js: js, log: &bytes.Buffer{}}
}

// logger writes to the env's buffer (safe for the many goroutines).
func (e *env) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{e}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type lockedWriter struct{ e *env }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.e.mu.Lock()
	defer w.e.mu.Unlock()
	return w.e.log.Write(p)
}

func (e *env) logged(s string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Contains(e.log.String(), s)
}

func (e *env) startWorker(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	e.runWorker(t, ctx, &Worker{URL: e.emb.URL(), Name: name})
}

// runWorker runs w until the test ends. A worker that stops early (its
// setup failed) fails the test with its error, rather than leaving a scan
// waiting for a unit nobody runs.
func (e *env) runWorker(t *testing.T, ctx context.Context, w *Worker) {
	t.Helper()
	w.Log = e.logger().With("worker", w.Name)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			t.Errorf("worker %s: %v", w.Name, err)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// scanConfig is a small service inventory of loopback ports.
func scanConfig(t *testing.T, ports string, hosts ...string) (engine.Config, ScanConfig) {
	t.Helper()
	cs, err := checks.Default.Select("service.exposed")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := portscan.ParseSpec(ports)
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{Checks: cs, Ports: spec, ScanType: "connect", Timeout: 2 * time.Second,
		ConnectTimeout: 500 * time.Millisecond, Hosts: 4, HostProbes: 2, Concurrency: 64, ScanID: fmt.Sprintf("t%d", time.Now().UnixNano())}
	for _, h := range hosts {
		sp, err := targets.Parse(h, "test")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Targets = append(cfg.Targets, sp)
		cfg.RawTargets = append(cfg.RawTargets, h)
	}
	sc := ScanConfig{Scan: cfg.ScanID, Checks: []string{"service.exposed"}, Ports: ports, ScanType: "connect",
		Timeout: cfg.Timeout, ConnectTimeout: cfg.ConnectTimeout, Hosts: 4, HostProbes: 2, Concurrency: 64}
	return cfg, sc
}

func exposedOn(r *reports.Report, host string, port uint16) bool {
	for _, f := range r.Findings {
		if f.Check == "service.exposed" && f.Host == host && f.Port == int(port) {
			return true
		}
	}
	return false
}

// TestRedeliveryAfterSilentWorker: a worker that takes a unit and then
// goes silent (no heartbeat, no ack: a dead process) loses it after the
// ack wait, and a live worker runs it; the report is complete.
func TestRedeliveryAfterSilentWorker(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l := listen(t, "127.0.0.1")
	cfg, sc := scanConfig(t, fmt.Sprint(l.port()), "127.0.0.1")
	// The dead worker binds first and grabs the unit as it is published.
	cons, err := e.js.CreateOrUpdateConsumer(ctx, WorkStream, workConsumerConfig(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	grabbed := make(chan jetstream.Msg, 1)
	go func() {
		b, err := cons.Fetch(1, jetstream.FetchMaxWait(20*time.Second))
		if err == nil {
			for m := range b.Messages() {
				grabbed <- m
			}
		}
	}()
	coord := &Coordinator{URL: e.emb.URL(), Config: sc, AckWait: time.Second, Log: e.logger()}
	cfg.Dist.Remote = coord
	type out struct {
		r   *reports.Report
		err error
	}
	res := make(chan out, 1)
	go func() { r, err := engine.Run(ctx, cfg); res <- out{r, err} }()
	select {
	case <-grabbed:
	case <-ctx.Done():
		t.Fatal("the silent worker never got the unit")
	}
	e.startWorker(t, ctx, "alive")
	o := <-res
	if o.err != nil {
		t.Fatal(o.err)
	}
	if !o.r.Scan.Complete || !exposedOn(o.r, "127.0.0.1", l.port()) {
		t.Fatalf("report incomplete or without the open port: %+v", o.r.Scan)
	}
	if !e.logged("attempt=2") {
		t.Errorf("the live worker did not run a redelivery:\n%s", e.log)
	}
	if d := o.r.Scan.Distributed; d == nil || len(d.Workers) != 1 || d.Workers[0].Name != "alive" || d.Workers[0].Units != 1 {
		t.Errorf("distributed %+v", o.r.Scan.Distributed)
	}
	// The progress line: units done of total, per worker done+running.
	if st := coord.Status(); !strings.Contains(st, "nats units 1/1") || !strings.Contains(st, "alive 1+0") {
		t.Errorf("status line %q", st)
	}
}

// flakyKV fails the first fails look-ups of the config bucket, or delays
// each by delay, as a loaded server does (the API request times out, or
// takes seconds).
type flakyKV struct {
	jetstream.KeyValue
	fails atomic.Int32
	delay time.Duration
	gets  atomic.Int32
}

func (f *flakyKV) Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error) {
	f.gets.Add(1)
	time.Sleep(f.delay)
	if f.fails.Add(-1) >= 0 {
		return nil, fmt.Errorf("nats: %w", context.DeadlineExceeded)
	}
	return f.KeyValue.Get(ctx, key)
}

// TestConfigReadFailureRedelivers: a worker that cannot read the scan's
// config for a moment (a look-up timing out on a loaded server) hands the
// unit back and runs it on the redelivery. The unit was terminated there
// once, and the scan waited for it until its deadline.
func TestConfigReadFailureRedelivers(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := listen(t, "127.0.0.1")
	cfg, sc := scanConfig(t, fmt.Sprint(l.port()), "127.0.0.1")
	coord := &Coordinator{URL: e.emb.URL(), Config: sc, Log: e.logger()}
	cfg.Dist.Remote = coord
	kv := &flakyKV{}
	kv.fails.Store(1)
	w := &Worker{URL: e.emb.URL(), Name: "w", kvHook: func(b jetstream.KeyValue) jetstream.KeyValue { kv.KeyValue = b; return kv }}
	e.runWorker(t, ctx, w)
	began := time.Now()
	r, err := engine.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Scan.Complete || len(r.Scan.Incomplete) != 0 || !exposedOn(r, "127.0.0.1", l.port()) {
		t.Fatalf("report incomplete or without the open port after %v: %+v", time.Since(began).Round(time.Millisecond), r.Scan)
	}
	if !e.logged("scan config not readable; the unit is handed back") || !e.logged("attempt=2") {
		t.Errorf("the unit was not handed back and run again:\n%s", e.log)
	}
	if d := r.Scan.Distributed; d == nil || len(d.Workers) != 1 || d.Workers[0].Units != 1 {
		t.Errorf("distributed %+v", r.Scan.Distributed)
	}
}

// TestSlowStartNotRedelivered: a unit whose worker takes longer than the
// ack wait to start it (its config look-up is slow) stays with that
// worker: heartbeats run from its arrival. They started after the
// look-up once, and the unit was delivered again, to run twice.
func TestSlowStartNotRedelivered(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := listen(t, "127.0.0.1")
	cfg, sc := scanConfig(t, fmt.Sprint(l.port()), "127.0.0.1")
	coord := &Coordinator{URL: e.emb.URL(), Config: sc, AckWait: time.Second, Log: e.logger()}
	cfg.Dist.Remote = coord
	kv := &flakyKV{delay: 1500 * time.Millisecond}
	w := &Worker{URL: e.emb.URL(), Name: "w", kvHook: func(b jetstream.KeyValue) jetstream.KeyValue { kv.KeyValue = b; return kv }}
	e.runWorker(t, ctx, w)
	r, err := engine.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Scan.Complete || !exposedOn(r, "127.0.0.1", l.port()) {
		t.Fatalf("report incomplete or without the open port: %+v", r.Scan)
	}
	// A redelivery would be running by now: it came an ack wait after
	// the first delivery, and its look-up takes the same 1.5 s.
	time.Sleep(2 * time.Second)
	if e.logged("attempt=2") || kv.gets.Load() != 1 {
		t.Errorf("the unit was redelivered while its worker started it (%d config look-ups):\n%s", kv.gets.Load(), e.log)
	}
}

// TestTerminatedUnitReported: a unit a worker terminates (it could not
// read it) is reported with its hosts incomplete and the reason, at once:
// the scan does not wait for a result no worker will send.
func TestTerminatedUnitReported(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := listen(t, "127.0.0.1")
	cfg, sc := scanConfig(t, fmt.Sprint(l.port()), "127.0.0.1")
	cons, err := e.js.CreateOrUpdateConsumer(ctx, WorkStream, workConsumerConfig(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	coord := &Coordinator{URL: e.emb.URL(), Config: sc, Log: e.logger()}
	cfg.Dist.Remote = coord
	res := make(chan *reports.Report, 1)
	go func() { r, _ := engine.Run(ctx, cfg); res <- r }()
	b, err := cons.Fetch(1, jetstream.FetchMaxWait(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range b.Messages() {
		if err := m.TermWithReason("unreadable unit"); err != nil {
			t.Fatal(err)
		}
	}
	began := time.Now()
	r := <-res
	if r == nil {
		t.Fatal("no report")
	}
	if len(r.Scan.Incomplete) != 1 || !strings.Contains(r.Scan.Incomplete[0].Reason, "a worker dropped this unit (unreadable unit)") {
		t.Fatalf("incomplete hosts %+v", r.Scan.Incomplete)
	}
	if d := time.Since(began); d > 10*time.Second {
		t.Errorf("the report came %v after the unit was terminated", d.Round(time.Millisecond))
	}
	if l.conns.Load() != 0 {
		t.Errorf("%d connections to a host no worker scanned", l.conns.Load())
	}
	if st := coord.Status(); !strings.Contains(st, "nats units 1/1") {
		t.Errorf("status line %q", st)
	}
}

// TestDuplicateResultsMerged: a unit's result arriving twice (a unit that
// ran twice; once past the server's dedupe window, once within it) is
// merged: the coordinator counts it once and the report has its hosts
// once.
func TestDuplicateResultsMerged(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l := listen(t, "127.0.0.1")
	cfg, sc := scanConfig(t, fmt.Sprint(l.port()), "127.0.0.1", "127.0.0.2")
	cons, err := e.js.CreateOrUpdateConsumer(ctx, WorkStream, workConsumerConfig(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	coord := &Coordinator{URL: e.emb.URL(), Config: sc, Log: e.logger()}
	cfg.Dist.Remote = coord
	res := make(chan *reports.Report, 1)
	go func() { r, _ := engine.Run(ctx, cfg); res <- r }()
	// This test is the worker: it runs both units with the real engine
	// and publishes the first unit's result three times.
	var units []*Unit
	var msgs []jetstream.Msg
	for len(units) < 2 {
		b, err := cons.Fetch(2-len(units), jetstream.FetchMaxWait(10*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range b.Messages() {
			var u Unit
			if err := json.Unmarshal(m.Data(), &u); err != nil {
				t.Fatal(err)
			}
			units, msgs = append(units, &u), append(msgs, m)
		}
	}
	var cfgSeen ScanConfig
	kv, _ := e.js.KeyValue(ctx, ConfigBucket)
	ent, err := kv.Get(ctx, sc.Scan)
	if err != nil || json.Unmarshal(ent.Value(), &cfgSeen) != nil {
		t.Fatalf("scan config not in the bucket: %v", err)
	}
	publish := func(u *Unit, id string) *jetstream.PubAck {
		ru, _, err := runUnit(ctx, &cfgSeen, u, runOpts{vantage: "test"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(Result{Scan: u.Scan, Unit: u.ID, Worker: WorkerInfo{Name: "tester"}, RemoteUnit: ru})
		ack, err := e.js.Publish(ctx, resultSubject+u.Scan, b, jetstream.WithMsgID(id))
		if err != nil {
			t.Fatal(err)
		}
		return ack
	}
	publish(units[0], sc.Scan+"/"+units[0].ID)
	if ack := publish(units[0], sc.Scan+"/"+units[0].ID); !ack.Duplicate {
		t.Error("the server did not drop a result with the same message ID")
	}
	publish(units[0], sc.Scan+"/"+units[0].ID+"/late") // beyond the dedupe window
	publish(units[1], sc.Scan+"/"+units[1].ID)
	for _, m := range msgs {
		m.Ack()
	}
	r := <-res
	if r == nil || !r.Scan.Complete {
		t.Fatalf("report %+v", r)
	}
	if coord.Duplicates() != 1 {
		t.Errorf("coordinator merged %d duplicates, want 1", coord.Duplicates())
	}
	cfg.Dist.Remote = nil
	lr, err := engine.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Scan.Stats.HostsAlive != lr.Scan.Stats.HostsAlive || len(r.Assets) != len(lr.Assets) || len(r.Findings) != len(lr.Findings) {
		t.Errorf("hosts alive %d, assets %d, findings %d: want a local scan's %d, %d, %d", r.Scan.Stats.HostsAlive, len(r.Assets),
			len(r.Findings), lr.Scan.Stats.HostsAlive, len(lr.Assets), len(lr.Findings))
	}
	seen := map[string]int{}
	for _, f := range r.Findings {
		seen[f.ID]++
		if seen[f.ID] > 1 {
			t.Errorf("finding %s %s twice", f.Check, f.Target)
		}
	}
	if d := r.Scan.Distributed; d == nil || d.Units != 2 || len(d.Workers) != 1 || d.Workers[0].Units != 2 {
		t.Errorf("distributed %+v", r.Scan.Distributed)
	}
}

// TestScopeRefusal: a unit naming an address outside the scope it
// carries (or one its exclusions cover) is refused by the worker, which
// never connects to it and says so in its result.
func TestScopeRefusal(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in, out, excl := listen(t, "127.0.0.1"), listen(t, "127.0.0.9"), listen(t, "127.0.0.10")
	ports := fmt.Sprintf("%d,%d,%d", in.port(), out.port(), excl.port())
	_, sc := scanConfig(t, ports, "127.0.0.1")
	b, _ := json.Marshal(sc)
	kv, _ := e.js.KeyValue(ctx, ConfigBucket)
	if _, err := kv.Put(ctx, sc.Scan, b); err != nil {
		t.Fatal(err)
	}
	scope := targets.Scope{Allow: []string{"127.0.0.1", "127.0.0.10"}, Deny: []string{"127.0.0.10"}}
	u := Unit{Scan: sc.Scan, ID: "u1", Scope: &scope, ScopeDigest: scopeDigest(scope),
		Hosts: []targets.Host{{Addr: netip.MustParseAddr("127.0.0.1"), Named: true}, {Addr: netip.MustParseAddr("127.0.0.9"), Named: true},
			{Addr: netip.MustParseAddr("127.0.0.10"), Named: true}}}
	b, _ = json.Marshal(u)
	if _, err := e.js.Publish(ctx, workSubject+sc.Scan, b); err != nil {
		t.Fatal(err)
	}
	rc, err := e.js.OrderedConsumer(ctx, ResultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{resultSubject + sc.Scan}})
	if err != nil {
		t.Fatal(err)
	}
	e.startWorker(t, ctx, "w")
	m, err := rc.Next(jetstream.FetchMaxWait(30 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	if err := json.Unmarshal(m.Data(), &r); err != nil {
		t.Fatal(err)
	}
	refused := map[string]string{}
	for _, x := range r.Refused {
		refused[x.Host.String()] = x.Reason
	}
	if !strings.Contains(refused["127.0.0.9"], "outside the scan's scope") || !strings.Contains(refused["127.0.0.10"], "excluded") {
		t.Errorf("refusals %v", refused)
	}
	if len(r.Hosts) != 1 || r.Hosts[0].Host.String() != "127.0.0.1" {
		t.Errorf("hosts scanned %+v", r.Hosts)
	}
	if out.conns.Load() != 0 || excl.conns.Load() != 0 {
		t.Errorf("the worker connected to refused hosts: %d, %d connections", out.conns.Load(), excl.conns.Load())
	}
	if in.conns.Load() == 0 {
		t.Error("the in-scope host was not scanned")
	}
	// A unit whose scope is not the scan's (by reference, digest
	// mismatch) is not run at all.
	bad := Unit{Scan: sc.Scan, ID: "u2", ScopeDigest: "sha256:00", Hosts: u.Hosts[:1]}
	b, _ = json.Marshal(bad)
	before := in.conns.Load()
	if _, err := e.js.Publish(ctx, workSubject+sc.Scan, b); err != nil {
		t.Fatal(err)
	}
	if m, err = rc.Next(jetstream.FetchMaxWait(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	r = Result{}
	if err := json.Unmarshal(m.Data(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Unit != "u2" || !strings.Contains(r.Error, "is not the scan's") || len(r.Hosts) != 0 || in.conns.Load() != before {
		t.Errorf("unit with a foreign scope: %+v (connections %d → %d)", r, before, in.conns.Load())
	}
}

// TestLeasedRateNeverOverBudget: four workers leasing from one
// coordinator's budget, each spending as fast as it can, never exceed the
// scan's rate together, in any 1 s window, and use most of it.
func TestLeasedRateNeverOverBudget(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const pps = 2000
	coord := &Coordinator{URL: e.emb.URL(), Config: ScanConfig{Scan: "ratetest", Rate: pps}}
	nc, _, err := Connect(e.emb.URL(), "coord")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	subs, err := coord.subscribe(ctx, nc, coord.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, s := range subs {
			s.Unsubscribe()
		}
	}()
	var mu sync.Mutex
	var stamps []time.Time
	var wg sync.WaitGroup
	const run = 3 * time.Second
	start := time.Now()
	for i := range 4 {
		w := &Worker{URL: e.emb.URL(), Name: fmt.Sprint(i)}
		if w.nc, _, err = Connect(w.URL, "w"); err != nil {
			t.Fatal(err)
		}
		defer w.nc.Close()
		l := w.leaser("ratetest", pps)
		for range 8 { // eight senders per worker, as probes in parallel
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(start) < run {
					if err := l.Wait(ctx, 1); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					stamps = append(stamps, time.Now())
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	// Every 1 s window starting at a token.
	maxWin := 0
	j := 0
	for i := range stamps {
		for j < len(stamps) && stamps[j].Sub(stamps[i]) < time.Second {
			j++
		}
		maxWin = max(maxWin, j-i)
	}
	mean := float64(len(stamps)) / time.Since(start).Seconds()
	t.Logf("%d tokens in %v: mean %.0f/s, max %d in any 1 s window (budget %d)", len(stamps), time.Since(start).Round(time.Millisecond), mean, maxWin, pps)
	if maxWin > pps {
		t.Errorf("max %d tokens in a 1 s window > budget %d + burst", maxWin, pps)
	}
	if mean < 0.75*pps {
		t.Errorf("mean %.0f/s: the leases waste the budget", mean)
	}
}

// TestCancelPurgesUnstarted: Ctrl-C at the coordinator removes the units
// no worker started from the queue, cancels the running one, and the
// partial report counts the hosts never reached as not scanned.
func TestCancelPurgesUnstarted(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var hosts []string
	for i := 1; i <= 12; i++ {
		hosts = append(hosts, fmt.Sprintf("127.0.0.%d", i))
	}
	// 60 ports at 20 connections a second: every unit takes seconds.
	cfg, sc := scanConfig(t, "40001-40060", hosts...)
	sc.Rate = 20
	coord := &Coordinator{URL: e.emb.URL(), Config: sc, CancelWait: 5 * time.Second, Log: e.logger()}
	cfg.Dist.Remote = coord
	sctx, stop := context.WithCancel(ctx)
	res := make(chan *reports.Report, 1)
	go func() { r, _ := engine.Run(sctx, cfg); res <- r }()
	e.startWorker(t, ctx, "w")
	deadline := time.Now().Add(20 * time.Second)
	for !e.logged("unit started") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	r := <-res
	if r == nil || r.Scan.Complete {
		t.Fatalf("want a partial report, got %+v", r)
	}
	if r.Scan.NotScanned == nil || r.Scan.NotScanned.Hosts < 10 {
		t.Errorf("not scanned %+v, want the 11 units never started (or all 12)", r.Scan.NotScanned)
	}
	st, err := e.js.Stream(ctx, WorkStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(workSubject+sc.Scan))
	if err != nil {
		t.Fatal(err)
	}
	if n := info.State.Subjects[workSubject+sc.Scan]; n != 0 {
		t.Errorf("%d units of the cancelled scan left in the queue", n)
	}
	if !e.logged("coordinator cancelled the scan") && !e.logged("unit cut") {
		t.Logf("log:\n%s", e.log)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":         "nats://127.0.0.1:4222",
		"nats://alice:s3cret@host:4222": "nats://alice:xxxxx@host:4222",
		"nats://tok3n@host:4222":        "nats://xxxxx@host:4222",
		"tls://bob:pw@a:1,tls://b:2":    "tls://bob:xxxxx@a:1,tls://b:2",
	} {
		if got := redact(in); got != want && !strings.Contains(got, "xxxxx") {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(redact(in), "s3cret") || strings.Contains(redact(in), "tok3n") || strings.Contains(redact(in), ":pw@") {
			t.Errorf("redact(%q) = %q keeps the secret", in, redact(in))
		}
	}
}
