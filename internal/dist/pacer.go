package dist

import (
	"context"
	"sync"
	"time"
)

// pacer hands out the scan-wide budget in batches, one batch at a time
// and never two closer than the batch's worth of time, measured when each
// is handed out. A token bucket catches up after a late wake-up (its
// burst) and a slow reply can bunch two leases at one worker; the pacer
// only ever loses time, so the leases of all workers together stay within
// the rate in every window, up to the one batch a worker may still hold.
type pacer struct {
	rate  float64 // tokens per second
	batch int     // most tokens per grant
	mu    sync.Mutex
	last  time.Time
	gap   time.Duration
}

// leaseAge is how long a worker may hold leased tokens (scope.Leaser's
// MaxAge on the workers).
const leaseAge = 20 * time.Millisecond

func newPacer(rate int) *pacer {
	batch := max(1, rate/50)
	// The tokens spent in any window of length T were granted within
	// T + leaseAge before its end: at most (T+leaseAge)·pace + one batch.
	// Pacing at (rate − batch)/(1 + leaseAge/1s) keeps that within rate
	// for every window of 1 s or more; it costs about 4% of the budget.
	pace := float64(rate-batch) / (1 + leaseAge.Seconds())
	return &pacer{rate: max(1, pace), batch: batch}
}

// grant waits for the next slot and returns the tokens granted (at most
// want, at most one batch). hand, when set, passes them on before the
// next slot can open (a lease reply sent late must not bunch with the
// next one).
func (p *pacer) grant(ctx context.Context, want int, hand func(n int)) (int, error) {
	n := min(max(want, 1), p.batch)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.last.IsZero() {
		if d := time.Until(p.last.Add(p.gap)); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				return 0, ctx.Err()
			case <-t.C:
			}
		}
	}
	if hand != nil {
		hand(n)
	}
	p.last = time.Now()
	p.gap = time.Duration(float64(n) / p.rate * float64(time.Second))
	return n, nil
}
