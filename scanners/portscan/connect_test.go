package portscan

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/scanners"
)

func TestConnectLoopback(t *testing.T) {
	var open []uint16
	for range 3 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		open = append(open, uint16(ln.Addr().(*net.TCPAddr).Port))
	}
	// A closed neighbour: listen, note the port, close.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := uint16(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()

	c := &Connect{Ports: append([]uint16{closed}, open...), Timeout: time.Second}
	var mu sync.Mutex
	var got []uint16
	var summary *scanners.PortState
	emit := func(o scanners.Observation) {
		mu.Lock()
		defer mu.Unlock()
		ps := o.Data.(*scanners.PortState)
		if o.Target.Port == 0 {
			summary = ps
			return
		}
		if o.Probe != scanners.ProbePortTCP || ps.State != "open" {
			t.Errorf("unexpected observation %+v", o)
		}
		got = append(got, o.Target.Port)
	}
	host := scanners.Target{Addr: netip.MustParseAddr("127.0.0.1")}
	if err := c.Sweep(context.Background(), &scanners.Env{}, slices.Values([]scanners.Target{host}), emit); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(open)
	if !slices.Equal(got, open) {
		t.Fatalf("open ports %v, want %v", got, open)
	}
	if summary == nil || summary.State != "up" {
		t.Fatalf("host summary %+v, want up", summary)
	}
}

func TestConnectCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := &Connect{Ports: []uint16{1, 2, 3}}
	host := scanners.Target{Addr: netip.MustParseAddr("127.0.0.1")}
	err := c.Sweep(ctx, &scanners.Env{}, slices.Values([]scanners.Target{host}), func(scanners.Observation) {})
	if err == nil {
		t.Fatal("cancelled sweep returned nil")
	}
}

// TestConnectManyClosedReuse interleaves open ports among many closed ones,
// so refused sockets are reused for later ports: every open port must
// still be found and no closed port reported open.
func TestConnectManyClosedReuse(t *testing.T) {
	ports, open := loopbackPorts(t, 120, 40, 7)
	got, summary := sweepLoopback(t, &Connect{Ports: ports, PerHost: 8, Timeout: time.Second})
	if !slices.Equal(got, open) {
		t.Fatalf("open %v, want %v", got, open)
	}
	if !strings.HasPrefix(summary, "open 3, closed 117, filtered 0") {
		t.Fatalf("summary %q", summary)
	}
}

// loopbackPorts returns n loopback ports, every every-th from off open
// (listening until the test ends) and the rest closed.
func loopbackPorts(t *testing.T, n, every, off int) (ports, open []uint16) {
	t.Helper()
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := uint16(ln.Addr().(*net.TCPAddr).Port)
		if i%every == off {
			t.Cleanup(func() { ln.Close() })
			open = append(open, p)
		} else {
			ln.Close()
		}
		ports = append(ports, p)
	}
	slices.Sort(open)
	return ports, open
}

// sweepLoopback runs c over 127.0.0.1 and returns the open ports it
// reported (sorted) and the host summary's reason.
func sweepLoopback(t *testing.T, c *Connect) (open []uint16, summary string) {
	t.Helper()
	var mu sync.Mutex
	emit := func(o scanners.Observation) {
		mu.Lock()
		defer mu.Unlock()
		if o.Target.Port == 0 {
			summary = o.Data.(*scanners.PortState).Reason
			return
		}
		open = append(open, o.Target.Port)
	}
	host := scanners.Target{Addr: netip.MustParseAddr("127.0.0.1")}
	if err := c.Sweep(context.Background(), &scanners.Env{}, slices.Values([]scanners.Target{host}), emit); err != nil {
		t.Fatal(err)
	}
	slices.Sort(open)
	return open, summary
}
