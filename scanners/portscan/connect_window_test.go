package portscan

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pingsDue runs n attempts and returns the pings they made due.
func pingsDue(w *connWindow, n int, answered bool) int {
	k := 0
	for range n {
		if _, ok := w.attempted(); ok {
			k++
			w.pinged(answered)
		}
	}
	return k
}

func TestConnWindowClean(t *testing.T) {
	w := newConnWindow(512)
	if pingsDue(w, 1000, true) != 0 {
		t.Fatal("a ping without a port that answered")
	}
	w.answered(80, "open")
	if p, _ := w.attempted(); p != 0 {
		t.Fatal("ping due right after the port was learned")
	}
	// An open ping port is pinged 8 times less often than a closed one.
	if n := pingsDue(w, 8*pingEvery*4, true); n != 4 {
		t.Errorf("%d pings to an open port in %d attempts, want 4", n, 8*pingEvery*4)
	}
	w.answered(81, "closed")
	w.answered(82, "closed") // the first closed port stays the ping port
	if n := pingsDue(w, pingEvery*10, true); n != 10 {
		t.Errorf("%d pings to a closed port in %d attempts, want 10", n, pingEvery*10)
	}
	if w.pingPort != 81 || w.size() != 512 || w.note() != "" {
		t.Errorf("clean pings: port %d, window %d, note %q; want 81, 512, none", w.pingPort, w.size(), w.note())
	}
}

func TestConnWindowLossAndRecovery(t *testing.T) {
	w := newConnWindow(512)
	w.answered(7, "closed")
	pingsDue(w, pingEvery*3, false)
	if w.size() != 64 {
		t.Fatalf("window after 3 lost pings %d, want 64", w.size())
	}
	pingsDue(w, pingEvery*10, false)
	if w.size() != windowFloor {
		t.Fatalf("window after 13 lost pings %d, want the floor %d", w.size(), windowFloor)
	}
	// Clean again: a tenth per answered ping, back to the cap.
	n := 0
	for w.size() < 512 && n < 100 {
		n += pingsDue(w, pingEvery, true)
	}
	if w.size() != 512 || n < 30 || n > 40 {
		t.Errorf("window %d after %d clean pings, want 512 after about 36", w.size(), n)
	}
	if note := w.note(); !strings.Contains(note, "13 of ") || !strings.Contains(note, "cut 13 times to 16") {
		t.Errorf("note %q", note)
	}
	// A cap below the floor is the floor.
	small := newConnWindow(4)
	small.answered(7, "closed")
	pingsDue(small, pingEvery*4, false)
	if small.size() != 4 {
		t.Errorf("window of cap 4 after loss: %d", small.size())
	}
}

// TestWindowGate: the dialer path's workers never exceed the window, and
// a grown window lets waiting workers in.
func TestWindowGate(t *testing.T) {
	w := newConnWindow(64)
	w.answered(7, "closed")
	pingsDue(w, pingEvery*3, false) // 64 → 16
	g := newWindowGate(w)
	var in, peak atomic.Int32
	var wg sync.WaitGroup
	ctx := context.Background()
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if !g.enter(ctx) {
					return
				}
				n := in.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(100 * time.Microsecond)
				in.Add(-1)
				g.leave()
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 16 || peak.Load() < 8 {
		t.Errorf("peak %d workers in a window of 16", peak.Load())
	}
	cctx, cancel := context.WithCancel(ctx)
	for range 16 {
		g.enter(cctx)
	}
	done := make(chan bool)
	go func() { done <- g.enter(cctx) }()
	cancel()
	if <-done {
		t.Error("enter on a full window returned true after cancel")
	}
}

// TestConnectLoopbackNoLossNoCut: a loopback scan of many closed ports
// and a few open ones pings the first closed port and never cuts its
// window (the summary has no loss note), and still finds the open ports.
func TestConnectLoopbackNoLossNoCut(t *testing.T) {
	ports, open := loopbackPorts(t, 600, 150, 3)
	got, summary := sweepLoopback(t, &Connect{Ports: ports, PerHost: 64, Timeout: time.Second})
	if !slices.Equal(got, open) {
		t.Fatalf("open %v, want %v", got, open)
	}
	if !strings.HasPrefix(summary, "open 4, closed 596, filtered 0") || strings.Contains(summary, "loss") {
		t.Fatalf("summary %q", summary)
	}
}
