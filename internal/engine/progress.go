package engine

import (
	"slices"
	"sync"
	"time"

	"shindan/reports"
)

// Progress reports how far the scan is. Work is counted in units (a probe
// run on one target, a host's discovery), not hosts, so a one-host scan
// moves too.
type Progress struct {
	Phase       string // "discovery", "probes"
	Done, Total int    // units of work
	// HostsDone of Hosts have finished (all probes run, checks decided).
	HostsDone, Hosts int
	// Findings counts the findings streamed so far: fail and warn by
	// severity (critical, high, medium, low, none), the rest by status
	// (pass, error, info, skipped).
	Findings map[string]int
}

// unitCounter counts planned and finished units of work.
type unitCounter struct {
	mu          sync.Mutex
	done, total int
	last        time.Time
}

// progressUnits records done and newly planned units and reports.
func (e *engine) progressUnits(done, planned int) {
	if e.cfg.Progress == nil {
		return
	}
	u := &e.units
	u.mu.Lock()
	u.done += done
	u.total += planned
	d, t := u.done, u.total
	// At most 20 reports a second, besides hosts finishing.
	if time.Since(u.last) < 50*time.Millisecond && d != t && done+planned > 0 {
		u.mu.Unlock()
		return
	}
	u.last = time.Now()
	u.mu.Unlock()
	e.res.mu.Lock()
	fs := make(map[string]int, len(e.res.bySeverity))
	for k, v := range e.res.bySeverity {
		fs[k] = v
	}
	e.res.mu.Unlock()
	phase := "probes"
	e.mu.Lock()
	if len(e.hosts) > 0 && int(e.hostsDone.Load()) < e.set.Len() {
		phase = "discovery"
	}
	e.mu.Unlock()
	e.cfg.Progress(Progress{Phase: phase, Done: d, Total: t, HostsDone: int(e.hostsDone.Load()), Hosts: e.set.Len(), Findings: fs})
}

// timings sums the time per probe and per check.
type timings struct {
	mu sync.Mutex
	m  map[[2]string]*reports.Timing
}

func (t *timings) add(kind, id string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[[2]string]*reports.Timing{}
	}
	k := [2]string{kind, id}
	x := t.m[k]
	if x == nil {
		x = &reports.Timing{Kind: kind, ID: id}
		t.m[k] = x
	}
	x.Runs++
	ms := d.Milliseconds()
	x.TotalMS += ms
	x.MaxMS = max(x.MaxMS, ms)
}

func (t *timings) report() []reports.Timing {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]reports.Timing, 0, len(t.m))
	for _, x := range t.m {
		out = append(out, *x)
	}
	slices.SortFunc(out, func(a, b reports.Timing) int {
		if a.Kind != b.Kind {
			if a.Kind < b.Kind {
				return -1
			}
			return 1
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}
