//go:build netlab

package portscan

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shindan/internal/netlab"
	"shindan/scanners"
)

// TestConnectLabLossBacksOff: the connect scan of webhardened (80 and
// 443 open, the rest closed) from a pinned source port, so the nftables
// rules below touch this test's traffic only.
//   - Clean, with ports 1501-3000 filtered (their SYNs dropped, as a
//     firewall does): 1500 timeouts are no loss, the window is not cut.
//   - Lossy: 30% of the resets and 10% of the SYN-ACKs to this scan are
//     dropped: the pings see the loss, the window is cut, and 80 and 443
//     are still found (with retries).
func TestConnectLabLossBacksOff(t *testing.T) {
	lab := netlab.Require(t)
	h, ok := lab.Lookup("webhardened")
	if !ok {
		t.Skip("webhardened host not up")
	}
	ports := portRange(1, 3000)
	const table = "sdnconnloss"
	const lossPort = 61235 // outside the kernel's ephemeral ports (32768-60999)
	addr := h.IPv4.String()
	nft := func(rules string) { t.Helper(); nftTable(t, table, rules) }
	sweep := func() ([]uint16, string, time.Duration) {
		var c collector
		s := &Connect{Ports: ports, PerHost: 512, Timeout: 1500 * time.Millisecond, Retries: 3, SrcPort: lossPort}
		t0 := time.Now()
		if err := s.Sweep(context.Background(), &scanners.Env{}, slices.Values([]scanners.Target{{Addr: h.IPv4}}), c.emit); err != nil {
			t.Fatal(err)
		}
		var summary string
		for _, o := range c.obs {
			if o.Target.Port == 0 {
				summary = o.Data.(*scanners.PortState).Reason
			}
		}
		return c.open(h.IPv4), summary, time.Since(t0)
	}
	sp := strconv.Itoa(lossPort)
	nft(" chain out { type filter hook output priority -10; ip daddr " + addr + " tcp sport " + sp + " tcp dport 1501-3000 drop; };")
	open, summary, took := sweep()
	t.Logf("filtered half, no loss: %s (%v)", summary, took.Round(time.Millisecond))
	if !slices.Equal(open, []uint16{80, 443}) || strings.Contains(summary, "loss") || !strings.Contains(summary, "filtered 1500,") {
		t.Fatalf("without loss: open %v, summary %q; want [80 443], 1500 filtered, no cut", open, summary)
	}
	nft(" chain in { type filter hook input priority -10;" +
		" ip saddr " + addr + " tcp dport " + sp + " tcp flags & rst == rst numgen random mod 100 < 30 drop;" +
		" ip saddr " + addr + " tcp dport " + sp + " tcp flags & (syn|ack) == syn|ack numgen random mod 100 < 10 drop; };")
	open, summary, took = sweep()
	t.Logf("30%% of resets, 10%% of SYN-ACKs lost: %s (%v)", summary, took.Round(time.Millisecond))
	if !strings.Contains(summary, "loss:") {
		t.Errorf("with loss: the window was not cut: %q", summary)
	}
	if !slices.Equal(open, []uint16{80, 443}) {
		t.Errorf("with loss: open %v, want [80 443]", open)
	}
}
