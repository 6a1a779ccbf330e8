//go:build !linux

package portscan

import (
	"context"
	"net/netip"

	"shindan/scanners"
)

// fastScan has no fast path outside Linux: the portable dialer path runs.
func fastScan(context.Context, *scanners.Env, netip.Addr, *rttEstimator, *connWindow, uint16, int, []uint16, func(uint16, string) bool) (bool, error) {
	return false, nil
}
