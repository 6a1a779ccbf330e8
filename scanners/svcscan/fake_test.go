package svcscan

import (
	"bytes"
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"shindan/scanners"
)

// fake is an in-process TCP server on 127.0.0.1:0: it sends greeting on
// connect, then answers each request chunk with respond (nil = no answer,
// close = hang up after writing).
type fake struct {
	greeting []byte
	respond  func(req []byte) (reply []byte, close bool)
	// drip sends the reply (or greeting) one byte per interval (tarpit).
	drip time.Duration
}

func (f fake) start(t *testing.T) scanners.Target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				go func() { <-done; c.Close() }()
				f.serve(c, done)
			}()
		}
	}()
	ap := netip.MustParseAddrPort(ln.Addr().String())
	return scanners.Target{Addr: ap.Addr(), Port: ap.Port(), Proto: scanners.TCP}
}

func (f fake) write(c net.Conn, b []byte, done chan struct{}) bool {
	if f.drip == 0 {
		_, err := c.Write(b)
		return err == nil
	}
	for _, x := range b {
		if _, err := c.Write([]byte{x}); err != nil {
			return false
		}
		select {
		case <-time.After(f.drip):
		case <-done:
			return false
		}
	}
	return true
}

func (f fake) serve(c net.Conn, done chan struct{}) {
	if len(f.greeting) > 0 && !f.write(c, f.greeting, done) {
		return
	}
	buf := make([]byte, 4096)
	var acc []byte
	for {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		acc = append(acc, buf[:n]...)
		if f.respond == nil {
			continue
		}
		reply, hang := f.respond(acc)
		if reply != nil || hang {
			acc = nil
		}
		if len(reply) > 0 && !f.write(c, reply, done) {
			return
		}
		if hang {
			return
		}
	}
}

// lineServer answers text commands by prefix.
func lineServer(greeting string, answers map[string]string) fake {
	return fake{greeting: []byte(greeting), respond: func(req []byte) ([]byte, bool) {
		if !bytes.HasSuffix(req, []byte("\n")) {
			return nil, false
		}
		for p, a := range answers {
			if bytes.HasPrefix(bytes.ToUpper(req), []byte(p)) {
				return []byte(a), p == "QUIT" || p == "A2 LOGOUT"
			}
		}
		return []byte("500 unknown\r\n"), false
	}}
}

func testEnv(timeout time.Duration) *scanners.Env {
	return &scanners.Env{IOTimeout: timeout}
}

func identify(t *testing.T, env *scanners.Env, tg scanners.Target) scanners.Observation {
	t.Helper()
	obs, err := IdentProbe{}.Run(context.Background(), env, tg)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 {
		t.Fatalf("got %d observations", len(obs))
	}
	return obs[0]
}

func service(t *testing.T, o scanners.Observation) *scanners.Service {
	t.Helper()
	if o.Status != scanners.OK {
		t.Fatalf("status %s: %s\n%s", o.Status, o.Reason, o.Evidence[0].Data)
	}
	s, ok := o.Data.(*scanners.Service)
	if !ok {
		t.Fatalf("payload %T", o.Data)
	}
	return s
}
