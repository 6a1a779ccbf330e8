package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"shindan/internal/engine"
)

// progressBar draws one self-overwriting line on a terminal: the phase,
// units of work done (probe runs and host discoveries, so a one-host scan
// moves too), an ETA from the rate so far, hosts finished, and the
// findings streamed so far by severity.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	last  time.Time
	start time.Time
	extra func() string // more on the line (a distributed scan's workers)
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, start: time.Now()} }

// severityOrder is the order of the live counts on the line.
var severityOrder = []string{"critical", "high", "medium", "low", "error", "pass"}

func (b *progressBar) update(p engine.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Redraw at most 10 times a second.
	if time.Since(b.last) < 100*time.Millisecond && p.Done != p.Total {
		return
	}
	b.last = time.Now()
	const width = 24
	fill := 0
	if p.Total > 0 {
		fill = min(width, width*p.Done/p.Total)
	}
	elapsed := time.Since(b.start)
	eta := "?"
	if p.Done > 0 && p.Total >= p.Done {
		// Units still get planned as hosts are discovered, so the ETA
		// firms up as discovery ends.
		eta = (time.Duration(float64(elapsed) * float64(p.Total-p.Done) / float64(p.Done))).Round(time.Second).String()
	}
	var counts []string
	for _, s := range severityOrder {
		if n := p.Findings[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", s, n))
		}
	}
	fmt.Fprintf(b.w, "\r\033[K%-9s [%s%s] %d/%d units, hosts %d/%d, %s, ETA %s  %s", p.Phase,
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), p.Done, p.Total, p.HostsDone, p.Hosts,
		elapsed.Round(time.Second), eta, strings.Join(counts, " "))
	if b.extra != nil {
		fmt.Fprint(b.w, "  ", b.extra())
	}
}

func (b *progressBar) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprint(b.w, "\r\033[K")
}
