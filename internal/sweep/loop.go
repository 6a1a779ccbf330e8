package sweep

import (
	"context"
	"time"
)

// Loop runs run at every slot of s until ctx ends or run asks to stop.
// Runs never overlap: the next slot is looked up after a run returns. When
// one or more slots passed while a run was busy (or the machine slept),
// one catch-up run starts at once, not one per missed slot. A cancelled
// context is left to the running scan to honour (it ends cleanly and
// stores a partial result); Loop then returns.
type Loop struct {
	Schedule Schedule
	// Immediately runs once at start instead of waiting for the first slot.
	Immediately bool
	// Run is one scan; an error ends the loop.
	Run func(ctx context.Context, slot time.Time) error
	// MaxRuns stops after that many runs (0 = no limit).
	MaxRuns int
	Now     func() time.Time // nil = time.Now
	// OnMissed is told about slots skipped while a run was busy.
	OnMissed func(missed int, slot time.Time)
}

// Start runs the loop.
func (l *Loop) Start(ctx context.Context) error {
	now := l.Now
	if now == nil {
		now = time.Now
	}
	slot := now()
	if !l.Immediately {
		slot = l.Schedule.Next(slot)
	}
	for runs := 0; l.MaxRuns == 0 || runs < l.MaxRuns; runs++ {
		if slot.IsZero() {
			return nil
		}
		if wait := time.Until(slot); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-t.C:
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if err := l.Run(ctx, slot); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		next, missed, cur := l.Schedule.Next(slot), 0, now()
		for !next.IsZero() && !next.After(cur) {
			missed++
			slot, next = next, l.Schedule.Next(next)
		}
		if missed > 0 {
			// Catch up once, now, for the latest missed slot.
			if l.OnMissed != nil {
				l.OnMissed(missed, slot)
			}
			slot = cur
			continue
		}
		slot = next
	}
	return nil
}
