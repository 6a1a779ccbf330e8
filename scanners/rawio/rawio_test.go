package rawio

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
	"testing"

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
