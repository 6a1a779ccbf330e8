package rawio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"shindan/scanners"
)

func TestSourceFor(t *testing.T) {
	for _, d := range []string{"127.0.0.1", "::1"} {
		src, err := SourceFor(netip.MustParseAddr(d))
		if err != nil || !src.IsLoopback() {
			t.Errorf("SourceFor(%s) = %s, %v", d, src, err)
		}
	}
}

func TestGateRefusesOutOfScope(t *testing.T) {
	env := &scanners.Env{Allow: func(a netip.Addr) bool { return a.IsLoopback() }}
	if err := Gate(context.Background(), env, netip.MustParseAddr("198.51.100.1")); !errors.Is(err, scanners.ErrOutOfScope) {
		t.Fatalf("out of scope: %v", err)
	}
	if err := Gate(context.Background(), env, netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Fatalf("in scope: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Gate(ctx, env, netip.MustParseAddr("127.0.0.1")); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestPermErr(t *testing.T) {
	for _, e := range []error{syscall.EPERM, syscall.EACCES, fmt.Errorf("socket: %w", syscall.EPERM)} {
		if !errors.Is(permErr("socket", e), ErrNeedRawSocket) {
			t.Errorf("%v not mapped to ErrNeedRawSocket", e)
		}
	}
	if errors.Is(permErr("socket", syscall.EINVAL), ErrNeedRawSocket) {
		t.Error("EINVAL mapped to ErrNeedRawSocket")
	}
}

// BatchConn refuses out-of-scope and wrong-family destinations without
// sending them, sends the rest in one batch, and hands back received
// packets without their IPv4 header (an ICMP echo to loopback, whose
// reply the raw ICMP socket sees).
func TestBatchConnLoopback(t *testing.T) {
	c, err := ListenBatch(false, unix.IPPROTO_ICMP, "", 4)
	if errors.Is(err, ErrNeedRawSocket) {
		t.Skip("no CAP_NET_RAW")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.RecvBuffer() <= 0 {
		t.Fatalf("receive buffer %d", c.RecvBuffer())
	}
	echo := []byte{8, 0, 0, 0, 0x5d, 0x4e, 0, 1} // type 8, id 0x5d4e, seq 1
	binary.BigEndian.PutUint16(echo[2:4], ^uint16(sumWords(echo)))
	env := &scanners.Env{Allow: func(a netip.Addr) bool { return a.IsLoopback() }}
	dsts := []netip.Addr{netip.MustParseAddr("198.51.100.1"), netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.1")}
	errs := make([]error, len(dsts))
	calls := 0
	c.NewSender().SendBatch(env, dsts, [][]byte{echo, echo, echo}, func(i int, err error) { calls++; errs[i] = err })
	if calls != 3 || !errors.Is(errs[0], scanners.ErrOutOfScope) || errs[1] == nil || errs[2] != nil {
		t.Fatalf("send results %v (%d calls), want out of scope, wrong family, sent", errs, calls)
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		var reply bool
		if _, err := c.RecvBatch(func(p Packet) {
			if p.Src == netip.MustParseAddr("127.0.0.1") && len(p.Data) >= 8 && p.Data[0] == 0 && p.Data[4] == 0x5d && p.Data[5] == 0x4e {
				reply = true
			}
		}); err != nil {
			t.Fatal(err)
		}
		if reply {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no echo reply from 127.0.0.1 within 2s")
}

func sumWords(b []byte) uint32 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return s
}
