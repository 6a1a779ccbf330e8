package portscan

import (
	"context"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// Pace is the SYN sweeps' own send rate below the scan-wide ceiling
// (--rate), adapted to the network as nmap's congestion control is: it
// starts at PaceStart and grows while replies keep up (slow start: ×2
// every PaceStep probes until the first loss, as long as the replies that
// arrived meanwhile number at least half of the step's probes to targets
// that had already answered; afterwards
// +10% per clean retry round), and halves when a retransmission round gets
// answers the first round did not (the first probes or their replies were
// dropped), down to PaceFloor. Replies are the clock: a path that queues
// or drops, or live targets that answer little (filtered ports), keep it
// where it is instead of letting it race to the ceiling within a round;
// probes to targets not heard from yet (discovery of a mostly empty
// range) carry no such signal and do not hold it. One Pace is shared by
// every chunk of a scan, so a cut seen in one chunk slows the next. It is
// safe for concurrent use.
type Pace struct {
	mu        sync.Mutex
	ceiling   float64 // hard ceiling; 0 = none
	cur       float64
	cuts      int
	lim       *rate.Limiter
	sinceAdj  int          // probes sent since the last slow-start step
	replies   atomic.Int64 // replies seen (Replied), all sweeps
	aliveSent atomic.Int64 // probes sent to targets that had answered (SentAlive)
	stepRep   int64        // replies when the current step began
	stepAlive int64        // aliveSent when the current step began
}

// Pace defaults: what a responsive network gets (PaceStart, growing to
// the ceiling within a few thousand probes) and the least a lossy one
// gets (PaceFloor).
const (
	PaceStart = 20000
	PaceFloor = 200
	PaceStep  = 1024
	// paceMax bounds the rate when the scan has no ceiling (--rate 0).
	paceMax = 1_000_000
	// lossCut is the share of a round's probes that must be recovered by
	// retransmission to count as loss (one stray late reply is not).
	lossCutPerMille = 5
)

// NewPace returns a pace under the ceiling (packets per second; 0 = none).
func NewPace(ceiling int) *Pace {
	p := &Pace{ceiling: float64(ceiling)}
	p.cur = p.bound(PaceStart)
	p.lim = rate.NewLimiter(rate.Limit(p.cur), paceBurst(p.cur))
	return p
}

func paceBurst(r float64) int { return max(1, min(256, int(r/100))) }

func (p *Pace) bound(r float64) float64 {
	hi := p.ceiling
	if hi <= 0 {
		hi = paceMax
	}
	return max(min(r, hi), min(PaceFloor, hi))
}

func (p *Pace) set(r float64) {
	p.cur = p.bound(r)
	p.lim.SetLimit(rate.Limit(p.cur))
	p.lim.SetBurst(paceBurst(p.cur))
}

// Rate is the current send rate (packets per second).
func (p *Pace) Rate() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur
}

// Cuts is how often loss halved the rate.
func (p *Pace) Cuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cuts
}

// wait takes n send slots at the current rate.
func (p *Pace) wait(ctx context.Context, n int) error {
	p.mu.Lock()
	lim := p.lim
	if p.cuts == 0 {
		if p.sinceAdj += n; p.sinceAdj >= PaceStep {
			// Slow start: no loss seen yet; grow only when the step's
			// replies kept up with its probes.
			rep, alive := p.replies.Load(), p.aliveSent.Load()
			if a := alive - p.stepAlive; 2*a < int64(p.sinceAdj) || 2*(rep-p.stepRep) >= a {
				p.set(p.cur * 2)
			}
			p.sinceAdj, p.stepRep, p.stepAlive = 0, rep, alive
		}
	}
	b := lim.Burst()
	p.mu.Unlock()
	for n > 0 {
		k := min(n, b)
		if err := lim.WaitN(ctx, k); err != nil {
			// Slots due after ctx's deadline: wait for the deadline, so
			// that the sweep ends as interrupted (ctx.Err()), not with the
			// limiter's early "would exceed context deadline" while the
			// context still reads as live.
			if ctx.Err() == nil {
				if _, ok := ctx.Deadline(); ok {
					<-ctx.Done()
					return ctx.Err()
				}
			}
			return err
		}
		n -= k
	}
	return nil
}

// Replied counts n replies that answered a probe (the first per probe).
func (p *Pace) Replied(n int) { p.replies.Add(int64(n)) }

// SentAlive counts n probes sent to targets that had already answered.
func (p *Pace) SentAlive(n int) { p.aliveSent.Add(int64(n)) }

// round reports a retransmission round: sent probes went out in the
// round before it, recovered of the resent ones were answered. It says
// whether loss was seen (then another round is worth sending).
func (p *Pace) round(sent, recovered int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if sent > 0 && recovered*1000 >= sent*lossCutPerMille && recovered > 0 {
		p.cuts++
		p.set(p.cur / 2)
		return true
	}
	if p.cuts > 0 {
		p.set(p.cur * 1.1) // congestion avoidance after a loss
	}
	return false
}
