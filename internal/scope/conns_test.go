package scope

import (
	"context"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"shindan/scanners/scantest"
)

// burst dials n connections through g at once, each read until the
// server ends it, and reports how many dials failed or were reset by the server.
func burst(t *testing.T, g *Guard, addr string, n int) (lost int) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := g.Dial(context.Background(), "tcp", addr)
			if err != nil {
				mu.Lock()
				lost++
				mu.Unlock()
				return
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(5 * time.Second)) //nolint:errcheck
			if b, _ := io.ReadAll(c); string(b) != "+" {
				mu.Lock()
				lost++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lost
}

// hello greets and then waits for the client to hang up, so a served
// connection holds its worker for as long as the client keeps it.
func hello(c net.Conn) {
	c.Write([]byte("+"))   //nolint:errcheck
	io.Copy(io.Discard, c) //nolint:errcheck
}

// served is one short job: greet, work a moment, close (the server ends
// it, so its worker is free before the client's slot is).
func served(c net.Conn) {
	c.Write([]byte("+")) //nolint:errcheck
	time.Sleep(30 * time.Millisecond)
}

func TestPerEndpointCapSparesASmallServer(t *testing.T) {
	srv := scantest.ServeLimited(t, 3, served)
	g := New(func(netip.Addr) bool { return true }, 0)
	g.PerEndpoint = 3
	if lost := burst(t, g, srv.Addr.String(), 12); lost != 0 {
		t.Fatalf("with a cap of 3 against a server of 3 workers, %d of 12 connections were refused (server resets %d)", lost, srv.Resets())
	}
	if srv.Resets() != 0 {
		t.Fatalf("server reset %d connections; the cap is its 3", srv.Resets())
	}
	if n := g.OpenOnPort(srv.Addr.Port()); n != 0 {
		t.Fatalf("after every Close, %d connections still counted open", n)
	}

	// The same burst without a cap overruns it: the test can fail.
	uncapped := New(func(netip.Addr) bool { return true }, 0)
	uncapped.PerEndpoint = 0
	if lost := burst(t, uncapped, srv.Addr.String(), 12); lost == 0 {
		t.Fatalf("12 uncapped connections to a 3-worker server all served: the server does not limit")
	}
}

func TestSlotHeldUntilClose(t *testing.T) {
	srv := scantest.ServeLimited(t, 10, hello)
	g := New(func(netip.Addr) bool { return true }, 0)
	g.PerEndpoint = 1
	a, err := g.Dial(context.Background(), "tcp", srv.Addr.String())
	if err != nil {
		t.Fatal(err)
	}
	if n := g.OpenOnPort(srv.Addr.Port()); n != 1 {
		t.Fatalf("OpenOnPort = %d with one connection open", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := g.Dial(ctx, "tcp", srv.Addr.String()); err == nil {
		t.Fatal("second dial at a cap of 1 went through while the first was open")
	}
	done := make(chan error, 1)
	go func() {
		c, err := g.Dial(context.Background(), "tcp", srv.Addr.String())
		if err == nil {
			c.Close()
		}
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	a.Close()
	a.Close() // a second Close must not free a second slot
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a Close did not wake the waiting dial")
	}
	if n := g.OpenOnPort(srv.Addr.Port()); n != 0 {
		t.Fatalf("OpenOnPort = %d after all closed (double Close counted twice?)", n)
	}
}
