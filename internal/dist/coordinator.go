package dist

import (
	"context"
	"encoding/json"

	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"shindan/internal/engine"
	"shindan/internal/targets"
	"shindan/reports"
)

// Coordinator is the engine.Remote of shindan scan --nats: it publishes
// the scan's units and feeds the workers' results back into the engine.
type Coordinator struct {
	URL string
	// Config is the scan's configuration; its Scan must be the engine's
	// scan ID.
	Config ScanConfig
	// AckWait is the work consumer's ack wait (0 = DefaultAckWait): how
	// long a silent worker keeps a unit before it is redelivered.
	AckWait time.Duration
	// CancelWait is how long an interrupted scan waits for the results
	// of units running (0 = 5s).
	CancelWait time.Duration
	// BlockSize is the most sweep addresses per unit (0 = BlockSize).
	BlockSize int
	Log       *slog.Logger

	limOnce sync.Once
	lim     *pacer

	mu       sync.Mutex
	units    map[string]*unitState
	workers  map[string]*workerState
	total    int
	finished int
	dupes    int
}

type unitState struct {
	u       *Unit
	seq     uint64
	done    bool
	running string // worker that announced it
}

type workerState struct {
	info    WorkerInfo
	kept    int // results delivered
	running int
}

// Scan implements engine.Remote.
func (c *Coordinator) Scan(ctx context.Context, set *targets.Set, h engine.RemoteHooks) (*reports.Distributed, error) {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	scan := c.Config.Scan
	if scan == "" || strings.ContainsAny(scan, ".*> \t\r\n") {
		return nil, fmt.Errorf("dist: scan ID %q cannot be a subject token", scan)
	}
	// The coordinator's NATS traffic outlives ctx: a cancelled scan still
	// purges, cancels and collects.
	bg := context.WithoutCancel(ctx)
	nc, js, err := Connect(c.URL, "shindan coordinator "+scan)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	kv, err := ensureStreams(bg, js)
	if err != nil {
		return nil, err
	}
	ackWait := c.AckWait
	if ackWait <= 0 {
		ackWait = DefaultAckWait
	}
	if _, err := js.CreateOrUpdateConsumer(bg, WorkStream, workConsumerConfig(ackWait)); err != nil {
		return nil, fmt.Errorf("dist: work consumer: %w", err)
	}
	block := c.BlockSize
	if block <= 0 {
		block = BlockSize
	}
	units := planUnits(scan, set, h.Skip, block)
	c.mu.Lock()
	c.units, c.workers, c.total = map[string]*unitState{}, map[string]*workerState{}, len(units)
	for i := range units {
		c.units[units[i].ID] = &unitState{u: &units[i]}
	}
	c.mu.Unlock()
	sum := func() *reports.Distributed { return c.summary() }

	sc := c.Config
	sc.Settings.RootCAs = nil // travels as CAPEM
	sc.Scope = set.Scope()
	if (sc.ScanType == "" || sc.ScanType == "auto") && set.Len() > 16 {
		// The discovery method a local scan of these targets would pick
		// (the SYN scan for sweeps), not the one a unit's few hosts
		// would: a worker without the privilege falls back to connect.
		sc.ScanType = "syn"
	}
	if len(sc.Settings.DNS.KnownNames) == 0 {
		sc.Settings.DNS.KnownNames = engine.KnownNames(set)
	}
	b, err := json.Marshal(sc)
	if err != nil {
		return nil, fmt.Errorf("dist: config: %w", err)
	}
	if len(b) > maxMessage(nc) {
		return nil, fmt.Errorf("dist: the scan's configuration (%d bytes) exceeds the server's message limit (%d)", len(b), maxMessage(nc))
	}
	if _, err := kv.Put(bg, scan, b); err != nil {
		return nil, fmt.Errorf("dist: publish config: %w", err)
	}
	defer func() { _ = kv.Delete(bg, scan) }()
	defer func() {
		// Delivered results are in the report; late repeats need no keeping.
		if st, err := js.Stream(bg, ResultStream); err == nil {
			_ = st.Purge(bg, jetstream.WithPurgeSubject(resultSubject+scan))
		}
	}()

	results := make(chan []byte, 256)
	rc, err := js.OrderedConsumer(bg, ResultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{resultSubject + scan}})
	if err != nil {
		return nil, fmt.Errorf("dist: results consumer: %w", err)
	}
	quit := make(chan struct{})
	cc, err := rc.Consume(func(m jetstream.Msg) {
		select {
		case results <- m.Data():
		case <-quit: // late duplicates after the scan
		}
	})
	if err != nil {
		return nil, fmt.Errorf("dist: results: %w", err)
	}
	defer cc.Stop()
	defer close(quit)
	subs, err := c.subscribe(bg, nc, sc)
	for _, s := range subs {
		defer s.Unsubscribe()
	}
	if err != nil {
		return nil, err
	}
	// A unit no worker will run again ends in an advisory: delivered
	// MaxDeliver times, or terminated by a worker (an unreadable unit).
	// Either way its hosts are reported, never waited for.
	failed := make(chan lostUnit, 64)
	for _, a := range []struct{ subject, reason string }{
		{"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.", fmt.Sprintf("no worker finished this unit in %d deliveries (workers died or stalled on it)", MaxDeliver)},
		{"$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.", "a worker dropped this unit"},
	} {
		adv, err := nc.Subscribe(a.subject+WorkStream+"."+WorkerConsumer, func(m *nats.Msg) {
			var ev struct {
				Seq    uint64 `json:"stream_seq"`
				Reason string `json:"reason"`
			}
			if json.Unmarshal(m.Data, &ev) != nil {
				return
			}
			l := lostUnit{seq: ev.Seq, reason: a.reason}
			if ev.Reason != "" {
				l.reason += " (" + ev.Reason + ")"
			}
			select {
			case failed <- l:
			case <-quit:
			}
		})
		if err != nil {
			return nil, fmt.Errorf("dist: subscribe: %w", err)
		}
		defer adv.Unsubscribe()
	}
	if err := nc.Flush(); err != nil {
		return nil, fmt.Errorf("dist: subscribe: %w", err)
	}

	h.Planned(len(units))
	c.Log.Info("distributing", "scan", scan, "units", len(units), "hosts", set.Len(), "nats", redact(c.URL))
	for i := range units {
		if ctx.Err() != nil {
			break
		}
		u := &units[i]
		b, err := json.Marshal(u)
		if err != nil {
			return sum(), fmt.Errorf("dist: unit: %w", err)
		}
		ack, err := js.Publish(ctx, workSubject+scan, b, jetstream.WithMsgID(scan+"/"+u.ID))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return sum(), fmt.Errorf("dist: publish unit: %w", err)
		}
		c.mu.Lock()
		c.units[u.ID].seq = ack.Sequence
		c.mu.Unlock()
	}
	idle := time.NewTicker(15 * time.Second)
	defer idle.Stop()
	for !c.allDone() && ctx.Err() == nil {
		select {
		case b := <-results:
			c.take(b, h)
		case l := <-failed:
			c.giveUp(l, h)
		case <-idle.C:
			if c.idle() {
				c.Log.Warn("no worker has taken a unit yet; start one with: shindan worker --nats URL", "nats", redact(c.URL))
			}
		case <-ctx.Done():
		}
	}
	if ctx.Err() != nil {
		c.interrupt(bg, js, nc, results, h)
	}
	return sum(), nil
}

// interrupt stops a cancelled scan: the units not started leave the
// queue, the workers cancel the running ones, and their (partial)
// results are waited for a little.
func (c *Coordinator) interrupt(ctx context.Context, js jetstream.JetStream, nc *nats.Conn, results <-chan []byte, h engine.RemoteHooks) {
	scan := c.Config.Scan
	if st, err := js.Stream(ctx, WorkStream); err == nil {
		if err := st.Purge(ctx, jetstream.WithPurgeSubject(workSubject+scan)); err != nil {
			c.Log.Warn("purging the scan's units", "err", err)
		}
	}
	_ = nc.Publish(cancelSubject+scan, nil)
	_ = nc.Flush()
	wait := c.CancelWait
	if wait <= 0 {
		wait = 5 * time.Second
	}
	deadline := time.After(wait)
	for c.running() > 0 {
		select {
		case b := <-results:
			c.take(b, h)
		case <-deadline:
			c.Log.Warn("units still running after the cancel wait; their hosts count as not scanned", "units", c.running())
			return
		}
	}
	c.Log.Info("scan cancelled; units not started were removed from the queue")
}

// limiter is the scan-wide budget: the workers lease from it, and the
// coordinator's own probes (domains, segment) spend from it (Spend).
func (c *Coordinator) limiter() *pacer {
	c.limOnce.Do(func() {
		if c.Config.Rate > 0 {
			c.lim = newPacer(c.Config.Rate)
		}
	})
	return c.lim
}

// Spend takes n tokens of the scan-wide budget for the coordinator's own
// probes (scope.Guard.Lease of its engine).
func (c *Coordinator) Spend(ctx context.Context, n int) error {
	lim := c.limiter()
	if lim == nil {
		return ctx.Err()
	}
	for n > 0 {
		k, err := lim.grant(ctx, n, nil)
		if err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// subscribe answers rate leases and notes which worker runs what.
func (c *Coordinator) subscribe(ctx context.Context, nc *nats.Conn, sc ScanConfig) ([]*nats.Subscription, error) {
	var subs []*nats.Subscription
	if lim := c.limiter(); lim != nil {
		s, err := nc.Subscribe(rateSubject+sc.Scan, func(m *nats.Msg) {
			var req leaseRequest
			_ = json.Unmarshal(m.Data, &req)
			go func() {
				reply := func(rep leaseReply) {
					b, _ := json.Marshal(rep)
					_ = m.Respond(b)
				}
				if _, err := lim.grant(ctx, req.Want, func(n int) { reply(leaseReply{Grant: n}) }); err != nil {
					reply(leaseReply{Error: err.Error()})
				}
			}()
		})
		if err != nil {
			return subs, fmt.Errorf("dist: subscribe: %w", err)
		}
		subs = append(subs, s)
	}
	s, err := nc.Subscribe(startedSubject+sc.Scan, func(m *nats.Msg) {
		var st Started
		if json.Unmarshal(m.Data, &st) != nil {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		us := c.units[st.Unit]
		if us == nil || us.done {
			return
		}
		w := c.worker(st.Worker)
		if us.running != "" && c.workers[us.running] != nil {
			c.workers[us.running].running--
		}
		us.running = st.Worker.Name
		w.running++
	})
	if err != nil {
		return subs, fmt.Errorf("dist: subscribe: %w", err)
	}
	// The server knows the subscriptions before a worker asks.
	if err := nc.Flush(); err != nil {
		return subs, fmt.Errorf("dist: subscribe: %w", err)
	}
	return append(subs, s), nil
}

func (c *Coordinator) worker(info WorkerInfo) *workerState {
	w := c.workers[info.Name]
	if w == nil {
		w = &workerState{info: info}
		c.workers[info.Name] = w
	}
	return w
}

// take delivers one result; a unit's second result is merged away.
func (c *Coordinator) take(b []byte, h engine.RemoteHooks) {
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		c.Log.Warn("unreadable result ignored", "err", err)
		return
	}
	c.mu.Lock()
	us := c.units[r.Unit]
	if us == nil || r.Scan != c.Config.Scan {
		c.mu.Unlock()
		c.Log.Warn("result for an unknown unit ignored", "unit", r.Unit)
		return
	}
	if us.done {
		c.dupes++
		c.mu.Unlock()
		c.Log.Info("duplicate result merged", "unit", r.Unit, "worker", r.Worker.Name, "attempt", r.Attempt)
		return
	}
	us.done = true
	c.finished++
	w := c.worker(r.Worker)
	w.kept++
	if us.running != "" && c.workers[us.running] != nil {
		c.workers[us.running].running--
	}
	us.running = ""
	u := us.u
	c.mu.Unlock()
	ru := onlyUnitHosts(u, r.RemoteUnit)
	if r.Error != "" {
		c.Log.Warn("a worker could not run a unit", "unit", r.Unit, "worker", r.Worker.Name, "err", r.Error)
		ru = failedUnit(u, ru, "worker "+r.Worker.Name+" could not run the unit: "+r.Error)
	}
	if r.Interrupted != "" {
		c.Log.Info("unit cut", "unit", r.Unit, "worker", r.Worker.Name, "reason", r.Interrupted)
	}
	h.Deliver(ru)
}

// onlyUnitHosts keeps what a result says about the unit's own hosts: a
// result never speaks for hosts it was not given.
func onlyUnitHosts(u *Unit, ru engine.RemoteUnit) engine.RemoteUnit {
	mine := map[netip.Addr]bool{}
	for _, h := range u.Hosts {
		mine[h.Addr] = true
	}
	ru.Hosts = slices.DeleteFunc(ru.Hosts, func(h engine.RemoteHost) bool { return !mine[h.Host] })
	ru.Refused = slices.DeleteFunc(ru.Refused, func(x engine.RemoteRefusal) bool { return !mine[x.Host] })
	return ru
}

// lostUnit is a unit the work stream will not deliver again.
type lostUnit struct {
	seq    uint64 // stream sequence
	reason string
}

// giveUp reports a unit that no worker will run again.
func (c *Coordinator) giveUp(l lostUnit, h engine.RemoteHooks) {
	c.mu.Lock()
	var us *unitState
	for _, x := range c.units {
		if x.seq == l.seq && !x.done {
			us = x
		}
	}
	if us == nil {
		c.mu.Unlock()
		return
	}
	us.done = true
	c.finished++
	if us.running != "" && c.workers[us.running] != nil {
		c.workers[us.running].running--
	}
	us.running = ""
	c.mu.Unlock()
	c.Log.Warn("unit given up", "unit", us.u.ID, "reason", l.reason)
	h.Deliver(failedUnit(us.u, engine.RemoteUnit{}, l.reason))
}

// failedUnit reports a unit's hosts not in ru as incomplete, with reason.
func failedUnit(u *Unit, ru engine.RemoteUnit, reason string) engine.RemoteUnit {
	have := map[netip.Addr]bool{}
	for _, x := range ru.Hosts {
		have[x.Host] = true
	}
	for _, x := range ru.Refused {
		have[x.Host] = true
	}
	for _, hst := range u.Hosts {
		if !have[hst.Addr] {
			ru.Hosts = append(ru.Hosts, engine.RemoteHost{Host: hst.Addr,
				Incomplete: &reports.IncompleteHost{Host: hst.Addr.String(), Reason: reason}})
		}
	}
	return ru
}

// idle reports a scan no worker has touched yet.
func (c *Coordinator) idle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.finished == 0 && len(c.workers) == 0
}

func (c *Coordinator) allDone() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.finished >= c.total
}

func (c *Coordinator) running() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, us := range c.units {
		if !us.done && us.running != "" {
			n++
		}
	}
	return n
}

// Duplicates counts the results merged away (a unit that ran twice).
func (c *Coordinator) Duplicates() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dupes
}

func (c *Coordinator) summary() *reports.Distributed {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := &reports.Distributed{Units: c.total, Workers: []reports.Worker{}}
	for _, w := range c.workers {
		d.Workers = append(d.Workers, reports.Worker{Name: w.info.Name, Vantage: w.info.Vantage, Units: w.kept})
	}
	slices.SortFunc(d.Workers, func(a, b reports.Worker) int { return strings.Compare(a.Name, b.Name) })
	return d
}

// Status is one line for the progress display: units done of total and
// each worker's share (done, running).
func (c *Coordinator) Status() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total == 0 {
		return ""
	}
	names := make([]string, 0, len(c.workers))
	for n := range c.workers {
		names = append(names, n)
	}
	slices.Sort(names)
	var parts []string
	for _, n := range names {
		w := c.workers[n]
		parts = append(parts, fmt.Sprintf("%s %d+%d", n, w.kept, max(0, w.running)))
	}
	return fmt.Sprintf("nats units %d/%d, workers %d [%s]", c.finished, c.total, len(names), strings.Join(parts, " "))
}

// planUnits cuts the scan into units: a host the user named (or that a
// name or URL brought in) is a unit of its own; addresses of CIDRs and
// ranges go in blocks of up to size, whose liveness checks run on the
// worker.
func planUnits(scan string, set *targets.Set, skip func(netip.Addr) bool, size int) []Unit {
	sc := set.Scope()
	digest := scopeDigest(sc)
	var inline *targets.Scope
	if b, _ := json.Marshal(sc); len(b) <= MaxInlineScope {
		inline = &sc
	}
	var out []Unit
	add := func(hs []targets.Host) {
		out = append(out, Unit{Scan: scan, ID: fmt.Sprintf("u%05d", len(out)+1), Hosts: hs, Scope: inline, ScopeDigest: digest})
	}
	var block []targets.Host
	for h := range set.Hosts() {
		if skip != nil && skip(h.Addr) {
			continue
		}
		if h.Named || h.OnlyPorts || len(h.Names) > 0 {
			add([]targets.Host{h})
			continue
		}
		if len(block) > 0 && (len(block) == size || block[0].Addr.Is4() != h.Addr.Is4()) {
			add(block)
			block = nil
		}
		block = append(block, h)
	}
	if len(block) > 0 {
		add(block)
	}
	return out
}

var _ engine.Remote = (*Coordinator)(nil)
