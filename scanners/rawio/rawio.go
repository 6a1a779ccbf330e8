// Package rawio sends and receives crafted packets for the probes that need
// more than a socket API: raw IP sockets for SYN scans (the kernel routes
// and resolves neighbours) and AF_PACKET on one interface for layer-2
// segment listening. It never opens anything at import time; every opener
// returns ErrNeedRawSocket when the process lacks CAP_NET_RAW, so the
// engine can fall back to connect scans.
//
// Every send goes through the scope guard and the scan-wide rate limiter
// (Env.Allow, Env.Wait); every receive has a deadline and a size bound.
package rawio

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"shindan/scanners"
)

// ErrNeedRawSocket means the kernel refused a raw socket: run as root or
// grant CAP_NET_RAW (setcap cap_net_raw+ep shindan), or use a connect scan.
var ErrNeedRawSocket = errors.New("rawio: raw sockets need root or CAP_NET_RAW")

// MaxPacket bounds every receive buffer: one jumbo frame.
const MaxPacket = 9216

// permErr turns a permission failure into ErrNeedRawSocket, so the engine
// can fall back to a connect scan or tell the user which capability to
// grant, instead of reporting a probe error per host.
func permErr(op string, err error) error {
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("%w (%s: %v)", ErrNeedRawSocket, op, err)
	}
	return fmt.Errorf("rawio: %s: %w", op, err)
}

// Gate checks the scope guard for dst and takes one token from the
// scan-wide limiter. Every raw send calls it first.
func Gate(ctx context.Context, env *scanners.Env, dst netip.Addr) error {
	if env.Allow != nil && !env.Allow(dst) {
		return fmt.Errorf("rawio: %s: %w", dst, scanners.ErrOutOfScope)
	}
	return env.Wait(ctx, 1)
}
