package sweep

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestCronNext(t *testing.T) {
	utc := time.UTC
	at := func(s string) time.Time { v, _ := time.ParseInLocation("2006-01-02 15:04", s, utc); return v }
	cases := []struct{ spec, from, want string }{
		{"0 3 * * *", "2026-12-01 23:30", "2026-12-02 03:00"},
		{"0 3 * * *", "2026-12-02 03:00", "2026-12-03 03:00"},
		{"*/15 8-18 * * 1-5", "2026-12-05 10:00", "2026-12-07 08:00"}, // Saturday → Monday
		{"30 2 29 2 *", "2026-03-01 00:00", "2028-02-29 02:30"},
		{"0 0 1 * 0", "2026-12-02 00:00", "2026-12-06 00:00"}, // Sunday or the 1st (Vixie)
		{"5,10 * * * 7", "2026-12-06 00:06", "2026-12-06 00:10"},
	}
	for _, c := range cases {
		cr, err := ParseCron(c.spec)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		cr.Loc = utc
		if got := cr.Next(at(c.from)); !got.Equal(at(c.want)) {
			t.Errorf("%s after %s = %s, want %s", c.spec, c.from, got.Format("2006-01-02 15:04 Mon"), c.want)
		}
	}
	for _, bad := range []string{"", "* * * *", "60 * * * *", "* 24 * * *", "0 0 30 2 *", "*/0 * * * *", "5-1 * * * *", "a * * * *", "0 0 0 * *"} {
		if _, err := ParseCron(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"0 3 * * *", "*/15 8-18 * * 1-5", "30 2 29 2 *", "1,2,3-9/2 * * * 7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCron(s)
		if err != nil {
			return
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		n := c.Next(from)
		if n.IsZero() || !n.After(from) {
			t.Fatalf("%q: next %v not after %v", s, n, from)
		}
	})
}

// TestLoopNoOverlapCatchUp: a run longer than the interval never
// overlaps the next, and the slots it missed cause one catch-up run.
func TestLoopNoOverlapCatchUp(t *testing.T) {
	var busy, runs atomic.Int32
	missedSeen := 0
	l := &Loop{Schedule: Every(40 * time.Millisecond), Immediately: true, MaxRuns: 4,
		OnMissed: func(n int, _ time.Time) { missedSeen += n },
		Run: func(ctx context.Context, slot time.Time) error {
			if busy.Add(1) != 1 {
				t.Error("runs overlap")
			}
			defer busy.Add(-1)
			if runs.Add(1) == 1 {
				time.Sleep(150 * time.Millisecond) // misses three slots
			}
			return nil
		}}
	start := time.Now()
	if err := l.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	if runs.Load() != 4 || missedSeen < 3 {
		t.Errorf("runs %d, missed %d", runs.Load(), missedSeen)
	}
	// 150 ms first run, an immediate catch-up, then two 40 ms waits: far
	// less than one run per missed slot would take.
	if el < 150*time.Millisecond+75*time.Millisecond || el > 600*time.Millisecond {
		t.Errorf("elapsed %v", el)
	}
}

func TestLoopCancelEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	l := &Loop{Schedule: Every(time.Hour), Immediately: true, Run: func(ctx context.Context, _ time.Time) error {
		runs.Add(1)
		cancel()
		<-ctx.Done() // the scan sees the cancellation and ends cleanly
		return nil
	}}
	done := make(chan error)
	go func() { done <- l.Start(ctx) }()
	select {
	case err := <-done:
		if err != nil || runs.Load() != 1 {
			t.Errorf("err %v runs %d", err, runs.Load())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("loop did not end on cancellation")
	}
}
