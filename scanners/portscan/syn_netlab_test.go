//go:build netlab

package portscan

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"shindan/internal/netlab"
	"shindan/scanners"
)

// TestSYNLabDualstack: all 65535 ports of the dualstack host on both
// families. nftables drops tcp/8080 on IPv4 only, so IPv4 shows 80 and
// IPv6 shows 80 and 8080, and 8080/IPv4 is filtered (silence), not closed.
func TestSYNLabDualstack(t *testing.T) {
	lab := netlab.Require(t)
	h, ok := lab.Lookup("dualstack")
	if !ok {
		t.Skip("dualstack host not up")
	}
	ports := portRange(1, 65535)
	var c collector
	s := &SYN{Ports: ports, EmitClosed: false, Wait: 300 * time.Millisecond}
	t0 := time.Now()
	err := s.Sweep(context.Background(), &scanners.Env{}, slices.Values([]scanners.Target{{Addr: h.IPv4}, {Addr: h.IPv6}}), c.emit)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("2 × 65535 ports in %s", time.Since(t0))
	if got := c.open(h.IPv4); !slices.Equal(got, []uint16{80}) {
		t.Errorf("IPv4 open %v, want [80]", got)
	}
	if got := c.open(h.IPv6); !slices.Equal(got, []uint16{80, 8080}) {
		t.Errorf("IPv6 open %v, want [80 8080]", got)
	}
	for _, o := range c.obs {
		if o.Target.Port == 0 {
			t.Logf("summary %s: %+v", o.Target.Addr, o.Data)
		}
	}
}

// TestSYNLabFiltered: the IPv4-only drop rule shows as filtered after the
// retransmission, the open port as open, a closed one as closed.
func TestSYNLabFiltered(t *testing.T) {
	lab := netlab.Require(t)
	h, ok := lab.Lookup("dualstack")
	if !ok {
		t.Skip("dualstack host not up")
	}
	var c collector
	s := &SYN{Ports: []uint16{80, 81, 8080}, EmitClosed: true, Wait: 200 * time.Millisecond}
	if err := s.Sweep(context.Background(), &scanners.Env{}, slices.Values([]scanners.Target{{Addr: h.IPv4}}), c.emit); err != nil {
		t.Fatal(err)
	}
	want := map[uint16]string{80: "open", 81: "closed", 8080: "filtered"}
	for _, o := range c.obs {
		ps := o.Data.(*scanners.PortState)
		if o.Target.Port == 0 {
			continue
		}
		if want[o.Target.Port] != ps.State {
			t.Errorf("port %d: %s (%s), want %s", o.Target.Port, ps.State, ps.Reason, want[o.Target.Port])
		}
		delete(want, o.Target.Port)
	}
	if len(want) != 0 {
		t.Errorf("ports not reported: %v", want)
	}
}

// TestSYNLabLossBacksOff: the scanner namespace drops 30% of the resets
// from the dualstack host to this sweep's own source port (nftables,
// removed afterwards; other scans of the host are not affected). The sweep must
// see the loss in its retransmission round, halve its rate, retransmit
// again, and still report the open port; without the loss it keeps its
// rate.
func TestSYNLabLossBacksOff(t *testing.T) {
	lab := netlab.Require(t)
	h, ok := lab.Lookup("dualstack")
	if !ok {
		t.Skip("dualstack host not up")
	}
	ports := portRange(1, 3000)
	const table = "sdnlosstest"
	const lossPort = 61234 // outside the kernel's ephemeral ports (32768-60999)
	sweep := func() (*Pace, []uint16) {
		var c collector
		pace := NewPace(0)
		s := &SYN{Ports: ports, Wait: 300 * time.Millisecond, Pace: pace, SrcPort: lossPort}
		if err := s.Sweep(context.Background(), &scanners.Env{}, slices.Values([]scanners.Target{{Addr: h.IPv4}}), c.emit); err != nil {
			t.Fatal(err)
		}
		return pace, c.open(h.IPv4)
	}
	// 3000 probes are two slow-start steps and a bit: ×4 when every
	// probe is answered.
	clean, open := sweep()
	if clean.Cuts() != 0 || clean.Rate() != 4*PaceStart || !slices.Equal(open, []uint16{80}) {
		t.Fatalf("without loss: cuts %d rate %v open %v, want 0, %d, [80]", clean.Cuts(), clean.Rate(), open, 4*PaceStart)
	}
	drop := func(percent int) {
		nftTable(t, table, " chain in { type filter hook input priority -10; ip saddr "+h.IPv4.String()+
			" tcp dport "+strconv.Itoa(lossPort)+" tcp flags & rst == rst numgen random mod 100 < "+strconv.Itoa(percent)+" drop; };")
	}
	// 30% of the replies lost: slow start still sees most replies and
	// grows, the retransmission rounds recover the rest and cut the rate.
	drop(30)
	lossy, open := sweep()
	if lossy.Cuts() == 0 || lossy.Rate() >= clean.Rate() {
		t.Fatalf("with 30%% loss: cuts %d rate %v, want a cut below %v", lossy.Cuts(), lossy.Rate(), clean.Rate())
	}
	if !slices.Equal(open, []uint16{80}) {
		t.Fatalf("with loss: open %v, want [80]", open)
	}
	t.Logf("30%% loss: %d cuts, rate %v/s", lossy.Cuts(), lossy.Rate())
	// 70% lost: the replies fall behind within the first step, so the
	// rate never grows, and the retransmission rounds cut it below the start.
	drop(70)
	worse, open := sweep()
	if worse.Cuts() == 0 || worse.Rate() > PaceStart/2 {
		t.Fatalf("with 70%% loss: cuts %d rate %v, want it held and cut to at most %d", worse.Cuts(), worse.Rate(), PaceStart/2)
	}
	if !slices.Equal(open, []uint16{80}) {
		t.Fatalf("with 70%% loss: open %v, want [80]", open)
	}
	t.Logf("70%% loss: %d cuts, rate %v/s", worse.Cuts(), worse.Rate())
}
