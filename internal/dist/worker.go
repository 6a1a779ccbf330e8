package dist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"

	"shindan/internal/engine"
	"shindan/internal/scope"
	"shindan/reports"
)

// Worker pulls units from the work queue and runs them (shindan worker).
type Worker struct {
	URL  string
	Name string // "" = host name and process ID
	// Rate caps this worker's own connections and packets per second
	// (0 = only the scan's shared budget).
	Rate int
	// Units is how many units run at once (0 = DefaultUnits): a unit's
	// tail (identification, protocol probes) overlaps the next one's
	// discovery, as hosts overlap in a local scan. Rate holds for all.
	Units int
	Log   *slog.Logger

	limiter *rate.Limiter
	// kvHook wraps the config bucket: tests inject its faults (a look-up
	// that times out on a loaded server). nil = the bucket as is.
	kvHook func(jetstream.KeyValue) jetstream.KeyValue

	nc      *nats.Conn
	js      jetstream.JetStream
	kv      jetstream.KeyValue
	info    WorkerInfo
	mu      sync.Mutex
	configs map[string]*ScanConfig
	running map[string]map[*Unit]context.CancelCauseFunc
	stopped map[string]bool // scans cancelled by their coordinator
}

// errCancelled is the cause of a unit's end when its coordinator
// cancelled the scan.
var errCancelled = errors.New("the coordinator cancelled the scan")

// Run works until ctx ends. A unit running then is handed back (nak) for
// another worker, not reported half done.
func (w *Worker) Run(ctx context.Context) error {
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	if w.Name == "" {
		h, _ := os.Hostname()
		w.Name = fmt.Sprintf("%s-%d", h, os.Getpid())
	}
	if strings.ContainsFunc(w.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return errors.New("dist: the worker name holds a control character")
	}
	w.info = WorkerInfo{Name: w.Name, Vantage: engine.LocalVantage()}
	w.configs, w.running, w.stopped = map[string]*ScanConfig{}, map[string]map[*Unit]context.CancelCauseFunc{}, map[string]bool{}
	var err error
	if w.nc, w.js, err = Connect(w.URL, "shindan worker "+w.Name); err != nil {
		return err
	}
	defer w.nc.Close()
	if w.kv, err = ensureStreams(ctx, w.js); err != nil {
		return err
	}
	if w.kvHook != nil {
		w.kv = w.kvHook(w.kv)
	}
	cons, err := w.consumer(ctx)
	if err != nil {
		return err
	}
	sub, err := w.nc.Subscribe(cancelSubject+"*", func(m *nats.Msg) {
		w.cancelScan(strings.TrimPrefix(m.Subject, cancelSubject))
	})
	if err != nil {
		return fmt.Errorf("dist: subscribe: %w", err)
	}
	defer sub.Unsubscribe()
	if err := w.nc.Flush(); err != nil {
		return fmt.Errorf("dist: subscribe: %w", err)
	}
	w.Log.Info("worker ready", "name", w.Name, "vantage", w.info.Vantage, "nats", redact(w.URL), "rate", w.Rate)
	units := w.Units
	if units <= 0 {
		units = DefaultUnits
	}
	if w.Rate > 0 {
		w.limiter = rate.NewLimiter(rate.Limit(w.Rate), max(1, w.Rate/50))
	}
	// A unit is fetched only when a slot is free: a fetched unit's ack
	// wait runs, and it must not wait in a buffer without heartbeats.
	slots := make(chan struct{}, units)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			<-slots
			if ctx.Err() != nil {
				break
			}
			w.Log.Warn("fetching work", "err", err)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		got := false
		for msg := range batch.Messages() {
			got = true
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				w.handle(ctx, cons, msg)
			}()
		}
		if !got {
			<-slots
		}
	}
	return nil
}

// DefaultUnits is how many units a worker runs at once.
const DefaultUnits = 2

// consumer binds to the shared work consumer, creating it with the
// default ack wait when no coordinator made it yet.
func (w *Worker) consumer(ctx context.Context) (jetstream.Consumer, error) {
	cons, err := w.js.Consumer(ctx, WorkStream, WorkerConsumer)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		cons, err = w.js.CreateConsumer(ctx, WorkStream, workConsumerConfig(DefaultAckWait))
		if errors.Is(err, jetstream.ErrConsumerExists) {
			cons, err = w.js.Consumer(ctx, WorkStream, WorkerConsumer)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("dist: work consumer: %w", err)
	}
	return cons, nil
}

func (w *Worker) handle(ctx context.Context, cons jetstream.Consumer, msg jetstream.Msg) {
	var u Unit
	if err := json.Unmarshal(msg.Data(), &u); err != nil || u.Scan == "" || u.ID == "" {
		w.Log.Warn("unreadable work unit dropped", "subject", msg.Subject(), "err", err)
		_ = msg.TermWithReason("unreadable unit")
		return
	}
	attempt := 1
	if md, err := msg.Metadata(); err == nil {
		attempt = int(md.NumDelivered)
	}
	log := w.Log.With("scan", u.Scan, "unit", u.ID, "attempt", attempt)
	// Heartbeats from the moment the unit is here: the ack wait runs since
	// the server sent it, and the config and consumer look-ups below are
	// API round trips that take seconds on a loaded server. A first
	// heartbeat only after them (plus a third of the ack wait) had the
	// unit redelivered, and run twice, while this worker was starting it.
	hbDone := make(chan struct{})
	var hb sync.WaitGroup
	hb.Add(1)
	go func() {
		defer hb.Done()
		w.heartbeat(ctx, cons, msg, hbDone, log)
	}()
	stopHB := sync.OnceFunc(func() { close(hbDone); hb.Wait() })
	defer stopHB()
	sc, err := w.config(ctx, u.Scan)
	switch {
	case w.isStopped(u.Scan) || errors.Is(err, jetstream.ErrKeyNotFound):
		// The coordinator deleted the scan's config (it ended) or
		// cancelled it: nobody waits for this unit.
		log.Warn("unit of a scan that is gone or cancelled dropped", "err", err)
		stopHB()
		_ = msg.TermWithReason("scan gone")
		return
	case errors.As(err, new(*configError)):
		// A config this worker cannot use (another build) fails the same
		// way on every worker of this build: say so in a result, so the
		// coordinator reports the hosts with the reason.
		log.Warn("unit's scan config unusable", "err", err)
		stopHB()
		w.finish(ctx, msg, &Result{Scan: u.Scan, Unit: u.ID, Worker: w.info, Attempt: attempt, Error: err.Error()}, log)
		return
	case err != nil:
		// A failed look-up (timeout, reconnect) says nothing about the
		// unit: hand it back for a later try. Terminating it here lost the
		// unit: the coordinator waited for a result that never came.
		log.Warn("scan config not readable; the unit is handed back", "err", err)
		stopHB()
		if ctx.Err() != nil {
			_ = msg.Nak()
		} else {
			_ = msg.NakWithDelay(configRetryDelay)
		}
		return
	}
	uctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w.track(&u, cancel, true)
	defer w.track(&u, nil, false)
	if b, err := json.Marshal(Started{Unit: u.ID, Worker: w.info}); err == nil {
		_ = w.nc.Publish(startedSubject+u.Scan, b)
	}
	lim := w.limiter
	if lim == nil && sc.Rate > 0 {
		// A local limiter at the scan's rate: senders size their batches
		// by its burst (the SYN scan), so no batch waits for many leases
		// and then leaves at once.
		lim = rate.NewLimiter(rate.Limit(sc.Rate), max(1, sc.Rate/50))
	}
	opts := runOpts{limiter: lim, vantage: w.Name + " @ " + w.info.Vantage, log: log}
	if sc.Rate > 0 {
		opts.lease = w.leaser(u.Scan, sc.Rate).Wait
	}
	began := time.Now()
	log.Info("unit started", "hosts", len(u.Hosts))
	ru, interrupted, runErr := runUnit(uctx, sc, &u, opts)
	stopHB()
	if ctx.Err() != nil {
		// This worker is stopping: another one runs the unit in full.
		_ = msg.Nak()
		log.Info("unit handed back", "reason", "worker stopping")
		return
	}
	res := Result{Scan: u.Scan, Unit: u.ID, Worker: w.info, Attempt: attempt, RemoteUnit: ru}
	if runErr != nil {
		res.Error = runErr.Error()
	}
	if errors.Is(context.Cause(uctx), errCancelled) {
		res.Interrupted = "interrupted: " + errCancelled.Error()
	} else if interrupted != "" {
		res.Interrupted = interrupted
	}
	if w.finish(ctx, msg, &res, log) {
		log.Info("unit done", "hosts", len(ru.Hosts), "took", time.Since(began).Round(time.Millisecond), "error", res.Error)
	}
}

// configRetryDelay is how long a unit whose scan config could not be
// read waits before it is redelivered.
const configRetryDelay = time.Second

// finish publishes a unit's result and acks the unit; a result not
// published hands the unit back (nak) for another run.
func (w *Worker) finish(ctx context.Context, msg jetstream.Msg, res *Result, log *slog.Logger) bool {
	if err := w.publishResult(ctx, res); err != nil {
		log.Warn("result not published; the unit will be redelivered", "err", err)
		_ = msg.Nak()
		return false
	}
	if err := msg.DoubleAck(ctx); err != nil {
		log.Warn("ack", "err", err)
	}
	return true
}

// heartbeat keeps msg in progress until done: once at once, then every
// third of the consumer's ack wait (read from the server: the
// coordinator may have set it after this worker bound).
func (w *Worker) heartbeat(ctx context.Context, cons jetstream.Consumer, msg jetstream.Msg, done <-chan struct{}, log *slog.Logger) {
	if err := msg.InProgress(); err != nil {
		log.Warn("heartbeat", "err", err)
	}
	ackWait := DefaultAckWait
	if ci := cons.CachedInfo(); ci != nil && ci.Config.AckWait > 0 {
		ackWait = ci.Config.AckWait
	}
	ictx, cancel := context.WithTimeout(ctx, ackWait/3)
	if ci, err := cons.Info(ictx); err == nil && ci.Config.AckWait > 0 {
		ackWait = ci.Config.AckWait
	}
	cancel()
	t := time.NewTicker(ackWait / 3)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if err := msg.InProgress(); err != nil {
				log.Warn("heartbeat", "err", err)
			}
		}
	}
}

// publishResult sends a result, deduplicated by scan and unit (a unit
// run twice is one result on the stream within the dedupe window).
// A result above the message limit first loses its evidence data, then
// its hosts' results: they are reported incomplete, with the reason.
func (w *Worker) publishResult(ctx context.Context, res *Result) error {
	limit := maxMessage(w.nc) - 4096
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	if len(b) > limit {
		for i := range res.Hosts {
			for j := range res.Hosts[i].Findings {
				for k := range res.Hosts[i].Findings[j].Evidence {
					res.Hosts[i].Findings[j].Evidence[k].Data = ""
				}
			}
		}
		if b, err = json.Marshal(res); err != nil {
			return err
		}
	}
	if len(b) > limit {
		reason := fmt.Sprintf("the unit's result (%d bytes) exceeds the message limit (%d bytes)", len(b), limit)
		for i := range res.Hosts {
			h := &res.Hosts[i]
			h.Findings, h.Observations = nil, nil
			h.Incomplete = &reports.IncompleteHost{Host: h.Host.String(), Reason: reason}
		}
		if b, err = json.Marshal(res); err != nil {
			return err
		}
	}
	_, err = w.js.Publish(ctx, resultSubject+res.Scan, b, jetstream.WithMsgID(res.Scan+"/"+res.Unit))
	return err
}

// leaser spends the scan's shared budget: batches of 20 ms worth of what
// this worker can spend (the scan's rate, or its own --rate when lower),
// dropped when not spent within 20 ms. A batch sized by the scan's rate
// alone would be mostly dropped by a worker capped lower, and its lease
// slots would starve the others.
func (w *Worker) leaser(scan string, rate int) *scope.Leaser {
	if w.Rate > 0 {
		rate = min(rate, w.Rate)
	}
	return &scope.Leaser{Fetch: w.leaseFunc(scan), Batch: max(1, rate/50), MaxAge: leaseAge}
}

func (w *Worker) leaseFunc(scan string) func(ctx context.Context, want int) (int, error) {
	return func(ctx context.Context, want int) (int, error) {
		b, _ := json.Marshal(leaseRequest{Want: want})
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		m, err := w.nc.RequestWithContext(rctx, rateSubject+scan, b)
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			return 0, fmt.Errorf("dist: rate lease: %w", err)
		}
		var rep leaseReply
		if err := json.Unmarshal(m.Data, &rep); err != nil {
			return 0, fmt.Errorf("dist: rate lease reply: %w", err)
		}
		if rep.Error != "" {
			return 0, fmt.Errorf("dist: rate lease: %s", rep.Error)
		}
		return rep.Grant, nil
	}
}

// config fetches (once) the scan's configuration.
func (w *Worker) config(ctx context.Context, scan string) (*ScanConfig, error) {
	w.mu.Lock()
	sc := w.configs[scan]
	w.mu.Unlock()
	if sc != nil {
		return sc, nil
	}
	e, err := w.kv.Get(ctx, scan)
	if err != nil {
		return nil, fmt.Errorf("dist: scan %s config: %w", scan, err)
	}
	sc = &ScanConfig{}
	if err := json.Unmarshal(e.Value(), sc); err != nil {
		return nil, &configError{fmt.Errorf("dist: scan %s config: %w", scan, err)}
	}
	sc.Settings.RootCAs = nil // CAPEM carries them
	if err := sc.Settings.CheckWireValues(); err != nil {
		return nil, &configError{fmt.Errorf("dist: scan %s config: %w", scan, err)}
	}
	w.mu.Lock()
	if len(w.configs) > 64 {
		clear(w.configs)
	}
	w.configs[scan] = sc
	w.mu.Unlock()
	return sc, nil
}

// configError is a scan config that was read but cannot be used: no
// retry mends it.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func (w *Worker) track(u *Unit, cancel context.CancelCauseFunc, add bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !add {
		delete(w.running[u.Scan], u)
		if len(w.running[u.Scan]) == 0 {
			delete(w.running, u.Scan)
		}
		return
	}
	if w.running[u.Scan] == nil {
		w.running[u.Scan] = map[*Unit]context.CancelCauseFunc{}
	}
	w.running[u.Scan][u] = cancel
}

func (w *Worker) cancelScan(scan string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.stopped) > 256 {
		clear(w.stopped)
	}
	w.stopped[scan] = true
	for _, c := range w.running[scan] {
		c(errCancelled)
	}
}

func (w *Worker) isStopped(scan string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopped[scan]
}
