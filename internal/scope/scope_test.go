package scope

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"shindan/scanners"
)

func TestGuardRefusesOutOfScope(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	g := New(func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.2") }, 0)
	_, err = g.Dial(context.Background(), "tcp", ln.Addr().String())
	if !errors.Is(err, scanners.ErrOutOfScope) {
		t.Fatalf("dial to out-of-scope 127.0.0.1: err = %v, want ErrOutOfScope", err)
	}
	if _, err := g.Dial(context.Background(), "tcp", "localhost:80"); !errors.Is(err, scanners.ErrOutOfScope) {
		t.Fatalf("names must be refused, got %v", err)
	}
	select {
	case <-accepted:
		t.Fatal("the out-of-scope listener received a connection")
	case <-time.After(50 * time.Millisecond):
	}
	if r := g.Refused(); len(r) != 1 || r[0].String() != "127.0.0.1" {
		t.Fatalf("Refused = %v", r)
	}
	if g.Sent() != 0 {
		t.Fatalf("refused dials must not spend budget, Sent = %d", g.Sent())
	}
}

func TestGuardRate(t *testing.T) {
	g := New(func(netip.Addr) bool { return true }, 200)
	start := time.Now()
	for range 100 {
		if err := g.Wait(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	// 100 tokens at 200/s with a burst of 4 take at least ~0.48 s.
	if el := time.Since(start); el < 400*time.Millisecond {
		t.Fatalf("100 tokens at 200/s took %v: the limiter does not hold", el)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.Wait(ctx, 1); err == nil {
		t.Fatal("Wait must honour cancellation")
	}
}

func TestGuardInfraEndpointOnly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ap := netip.MustParseAddrPort(ln.Addr().String())
	g := New(func(netip.Addr) bool { return false }, 0)
	g.Infra = map[netip.AddrPort]bool{ap: true}
	c, err := g.Dial(context.Background(), "tcp", ap.String())
	if err != nil {
		t.Fatalf("the resolver endpoint must be reachable: %v", err)
	}
	c.Close()
	other := netip.AddrPortFrom(ap.Addr(), ap.Port()+1)
	if _, err := g.Dial(context.Background(), "tcp", other.String()); !errors.Is(err, scanners.ErrOutOfScope) {
		t.Fatalf("another port of the resolver's address must stay out of scope, got %v", err)
	}
}

func TestGuardLinkMulticastOnlyForSegments(t *testing.T) {
	g := New(func(netip.Addr) bool { return false }, 0)
	all := netip.MustParseAddr("ff02::1")
	if g.Permit(all) {
		t.Fatal("link multicast must be refused unless a segment sweep asked for it")
	}
	g.LinkMulticast = true
	if !g.Permit(all) || g.Permit(netip.MustParseAddr("ff05::2")) || g.Permit(netip.MustParseAddr("198.51.100.1")) {
		t.Fatal("only link-scope multicast may pass for a segment sweep")
	}
}

func TestGuardWaitPastDeadlineReadsAsDeadline(t *testing.T) {
	g := New(func(netip.Addr) bool { return true }, 1)
	_ = g.Wait(context.Background(), 1) // spend the burst
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := g.Wait(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() == nil {
		t.Fatalf("err = %v (ctx %v): a token past the deadline must read as the deadline", err, ctx.Err())
	}
}
