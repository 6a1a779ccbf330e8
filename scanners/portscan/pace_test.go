package portscan

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPaceSlowStartCutAndFloor(t *testing.T) {
	p := NewPace(100000)
	if got := p.Rate(); got != PaceStart {
		t.Fatalf("start rate %v, want %d", got, PaceStart)
	}
	ctx := context.Background()
	// A clean network: the rate doubles every PaceStep probes up to the ceiling.
	for range 4 {
		if err := p.wait(ctx, PaceStep); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.Rate(); got != 100000 {
		t.Fatalf("rate after %d clean probes %v, want the ceiling 100000", 4*PaceStep, got)
	}
	// A round without recovered probes is no loss.
	if p.round(10000, 0) || p.Cuts() != 0 {
		t.Fatal("a clean round counted as loss")
	}
	// One stray late reply in 10000 is below the threshold.
	if p.round(10000, 1) {
		t.Fatal("one late reply in 10000 counted as loss")
	}
	// 3% recovered by retransmission: halve, and ask for another round.
	if !p.round(10000, 300) || p.Rate() != 50000 || p.Cuts() != 1 {
		t.Fatalf("after loss: rate %v cuts %d, want 50000 and 1", p.Rate(), p.Cuts())
	}
	// After a loss, no more slow start: sending does not double the rate.
	if err := p.wait(ctx, PaceStep); err != nil {
		t.Fatal(err)
	}
	if p.Rate() != 50000 {
		t.Fatalf("rate %v grew by slow start after a loss", p.Rate())
	}
	// A clean round grows it by 10% (congestion avoidance).
	p.round(10000, 0)
	if r := p.Rate(); r < 54999 || r > 55001 {
		t.Fatalf("rate %v after a clean round, want 55000", p.Rate())
	}
	// Persistent loss ends at the floor, never zero.
	for range 20 {
		p.round(1000, 500)
	}
	if p.Rate() != PaceFloor {
		t.Fatalf("rate %v under persistent loss, want the floor %d", p.Rate(), PaceFloor)
	}
}

func TestPaceCeilingIsHard(t *testing.T) {
	if p := NewPace(5000); p.Rate() != 5000 {
		t.Fatalf("start %v above the ceiling 5000", p.Rate())
	}
	p := NewPace(30000)
	ctx := context.Background()
	for range 3 {
		_ = p.wait(ctx, PaceStep)
	}
	if p.Rate() != 30000 {
		t.Fatalf("rate %v, want the ceiling 30000", p.Rate())
	}
	// A ceiling below the floor wins over the floor.
	low := NewPace(50)
	for range 5 {
		low.round(100, 50)
	}
	if low.Rate() != 50 {
		t.Fatalf("rate %v, want the ceiling 50", low.Rate())
	}
	// Measured: 600 slots at 5000/s take about 120ms, not less.
	p2 := NewPace(5000)
	t0 := time.Now()
	if err := p2.wait(ctx, 600); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d < 90*time.Millisecond {
		t.Fatalf("600 probes at 5000/s went out in %s", d)
	}
}

// Replies are the clock of slow start: probes to targets that answered
// before but whose replies stop coming hold the rate; replies that keep
// up (or probes to targets never heard from) let it grow.
func TestPaceSlowStartFollowsReplies(t *testing.T) {
	ctx := context.Background()
	p := NewPace(1_000_000)
	// Two steps to live targets, each answered in full: ×4.
	for range 2 {
		p.SentAlive(PaceStep)
		p.Replied(PaceStep)
		if err := p.wait(ctx, PaceStep); err != nil {
			t.Fatal(err)
		}
	}
	if got := p.Rate(); got != 4*PaceStart {
		t.Fatalf("rate %v after two answered steps, want %d", got, 4*PaceStart)
	}
	// A step to live targets with a third of the replies: held, not grown.
	p.SentAlive(PaceStep)
	p.Replied(PaceStep / 3)
	_ = p.wait(ctx, PaceStep)
	if got := p.Rate(); got != 4*PaceStart {
		t.Fatalf("rate %v after a step whose replies fell behind, want it held at %d", got, 4*PaceStart)
	}
	// Replies are not carried over: the next silent step is held too.
	p.SentAlive(PaceStep)
	_ = p.wait(ctx, PaceStep)
	if got := p.Rate(); got != 4*PaceStart {
		t.Fatalf("rate %v after a silent step, want %d", got, 4*PaceStart)
	}
	// Half of the step answered is enough.
	p.SentAlive(PaceStep)
	p.Replied(PaceStep / 2)
	_ = p.wait(ctx, PaceStep)
	if got := p.Rate(); got != 8*PaceStart {
		t.Fatalf("rate %v after a half-answered step, want %d", got, 8*PaceStart)
	}
	// Discovery of unknown targets (no live target probed) grows as before.
	_ = p.wait(ctx, PaceStep)
	if got := p.Rate(); got != 16*PaceStart {
		t.Fatalf("rate %v after a discovery step, want %d", got, 16*PaceStart)
	}
}

// Slots due after the context's deadline end the wait at the deadline
// with the context's own error, so a sweep cut short by a deadline reads
// as interrupted rather than failing early while the context is live.
func TestPaceWaitPastDeadline(t *testing.T) {
	p := NewPace(200)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	err := p.wait(ctx, 400) // two seconds of slots
	if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() == nil {
		t.Fatalf("wait past the deadline: %v (ctx %v), want the context's deadline error", err, ctx.Err())
	}
	if d := time.Since(t0); d < 100*time.Millisecond {
		t.Fatalf("returned after %s, before the deadline", d)
	}
}
