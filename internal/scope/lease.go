package scope

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Leaser spends a rate budget that lives elsewhere (a distributed scan's
// coordinator): it asks for tokens in batches by Fetch and hands them out
// by Wait. Tokens not spent within MaxAge are dropped, never saved up:
// a worker that idles must not burst later with an old lease, so the
// total over all leasers stays within the budget in every window.
type Leaser struct {
	// Fetch asks for want tokens and returns how many were granted
	// (at least 1 unless err). It may block until the budget allows.
	Fetch func(ctx context.Context, want int) (int, error)
	// Batch is the tokens asked for per Fetch (at least n of a Wait).
	Batch int
	// MaxAge is how long leased tokens stay good; 0 = 100ms.
	MaxAge time.Duration

	mu    sync.Mutex
	avail int
	at    time.Time
}

// Wait takes n tokens, fetching more as needed. It serialises callers
// while fetching, which is the point: the budget is shared.
func (l *Leaser) Wait(ctx context.Context, n int) error {
	if n <= 0 {
		return ctx.Err()
	}
	maxAge := l.MaxAge
	if maxAge <= 0 {
		maxAge = 100 * time.Millisecond
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for n > 0 {
		if l.avail > 0 && time.Since(l.at) > maxAge {
			l.avail = 0
		}
		if l.avail > 0 {
			take := min(n, l.avail)
			l.avail -= take
			n -= take
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		got, err := l.Fetch(ctx, max(n, l.Batch, 1))
		if err != nil {
			return err
		}
		if got <= 0 {
			return errors.New("scope: rate lease granted nothing")
		}
		l.avail, l.at = got, time.Now()
	}
	return nil
}
