package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"shindan/internal/engine"
)

// progressBar draws one self-overwriting line on a terminal.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	last  time.Time
	start time.Time
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, start: time.Now()} }

func (b *progressBar) update(p engine.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Redraw at most 10 times a second: the engine reports per probe.
	if time.Since(b.last) < 100*time.Millisecond && p.Done != p.Total {
		return
	}
	b.last = time.Now()
	const width = 30
	fill := 0
	if p.Total > 0 {
		fill = width * p.Done / p.Total
	}
	fmt.Fprintf(b.w, "\r\033[K%-9s [%s%s] %d/%d  %s", p.Phase, strings.Repeat("#", fill), strings.Repeat(".", width-fill),
		p.Done, p.Total, time.Since(b.start).Round(time.Second))
}

func (b *progressBar) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprint(b.w, "\r\033[K")
}
