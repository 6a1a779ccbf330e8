package portscan

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"shindan/scanners"
	"shindan/scanners/rawio"
)

func synAckBytes(sport, dport uint16, ack uint32) []byte {
	buf := gopacket.NewSerializeBuffer()
	tcp := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), SYN: true, ACK: true, Ack: ack, Window: 100}
	_ = gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, tcp)
	return buf.Bytes()
}

func TestSYNDecode(t *testing.T) {
	d := newSynDecoder()
	src := netip.MustParseAddr("198.51.100.7")
	r, ok := d.tcpReply(synAckBytes(443, 40001, 1001), src)
	if !ok || r.state != "open" || r.dport != 443 || r.sport != 40001 || r.seq != 1000 || r.peer != src {
		t.Fatalf("SYN-ACK decoded as %+v %v", r, ok)
	}
	// ICMPv4 port unreachable quoting our SYN 203.0.113.130:40000 → 198.51.100.1:80 seq 1234.
	icmp := []byte{3, 13, 0, 0, 0, 0, 0, 0,
		0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 203, 0, 113, 130, 198, 51, 100, 1,
		0x9c, 0x40, 0, 80, 0, 0, 4, 210}
	r, ok = d.icmp4Reply(icmp)
	if !ok || r.state != "filtered" || r.peer != netip.MustParseAddr("198.51.100.1") || r.dport != 80 || r.sport != 40000 || r.seq != 1234 {
		t.Fatalf("ICMP decoded as %+v %v", r, ok)
	}
	if _, ok := d.tcpReply([]byte{1, 2, 3}, src); ok {
		t.Fatal("garbage decoded")
	}
}

type collector struct {
	mu  sync.Mutex
	obs []scanners.Observation
}

func (c *collector) emit(o scanners.Observation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.obs = append(c.obs, o)
}

func (c *collector) open(addr netip.Addr) []uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []uint16
	for _, o := range c.obs {
		if ps, ok := o.Data.(*scanners.PortState); ok && o.Target.Addr == addr && ps.State == "open" && o.Target.Port != 0 {
			out = append(out, o.Target.Port)
		}
	}
	slices.Sort(out)
	return out
}

func listen(t *testing.T, network, addr string) uint16 {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("listen %s: %v", addr, err)
	}
	t.Cleanup(func() { l.Close() })
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

func rawOK(t *testing.T) {
	t.Helper()
	c, err := rawio.ListenBatch(false, unix.IPPROTO_TCP, "", 1)
	if errors.Is(err, rawio.ErrNeedRawSocket) {
		t.Skip("no CAP_NET_RAW")
	}
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// TestSYNLoopback scans loopback on both families: listening ports are
// open, the others closed (RST), nothing else is reported.
func TestSYNLoopback(t *testing.T) {
	rawOK(t)
	p4 := listen(t, "tcp4", "127.0.0.1:0")
	p6 := listen(t, "tcp6", "[::1]:0")
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := uint16(l.Addr().(*net.TCPAddr).Port)
	l.Close() // now closed: the kernel answers RST
	ports := []uint16{p4, p6, free}
	a4, a6 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")
	var c collector
	s := &SYN{Ports: ports, Wait: 300 * time.Millisecond, EmitClosed: true}
	ts := slices.Values([]scanners.Target{{Addr: a4}, {Addr: a6}})
	if err := s.Sweep(context.Background(), &scanners.Env{}, ts, c.emit); err != nil {
		t.Fatal(err)
	}
	if got := c.open(a4); !slices.Equal(got, []uint16{p4}) {
		t.Errorf("open on 127.0.0.1 = %v, want [%d]", got, p4)
	}
	if got := c.open(a6); !slices.Equal(got, []uint16{p6}) {
		t.Errorf("open on ::1 = %v, want [%d]", got, p6)
	}
	var summaries, closed int
	for _, o := range c.obs {
		ps := o.Data.(*scanners.PortState)
		if o.Target.Port == 0 {
			summaries++
			if o.Status != scanners.OK || ps.State != "up" || ps.Method != "syn" {
				t.Errorf("summary %+v %+v", o, ps)
			}
		} else if ps.State == "closed" {
			closed++
			if ps.Reason != "rst" {
				t.Errorf("closed reason %q", ps.Reason)
			}
		}
	}
	if summaries != 2 || closed != 4 {
		t.Errorf("summaries %d closed %d, want 2 and 4", summaries, closed)
	}
}

// TestSYNScope: an address the scope guard refuses is never probed and
// its summary says so.
func TestSYNScope(t *testing.T) {
	rawOK(t)
	a := netip.MustParseAddr("127.0.0.1")
	var c collector
	var sent int
	env := &scanners.Env{Allow: func(netip.Addr) bool { sent++; return false }}
	s := &SYN{Ports: []uint16{listen(t, "tcp4", "127.0.0.1:0")}, Wait: 50 * time.Millisecond}
	if err := s.Sweep(context.Background(), env, slices.Values([]scanners.Target{{Addr: a}}), c.emit); err != nil {
		t.Fatal(err)
	}
	if len(c.obs) != 1 || c.obs[0].Status != scanners.OutOfScope || len(c.open(a)) != 0 {
		t.Fatalf("observations %+v", c.obs)
	}
}

// TestSYNCancel: a cancelled sweep returns promptly with ctx's error.
func TestSYNCancel(t *testing.T) {
	rawOK(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var c collector
	ports := make([]uint16, 0, 1000)
	for p := range uint16(1000) {
		ports = append(ports, p+1)
	}
	t0 := time.Now()
	err := (&SYN{Ports: ports}).Sweep(ctx, &scanners.Env{}, slices.Values([]scanners.Target{{Addr: netip.MustParseAddr("127.0.0.1")}}), c.emit)
	if !errors.Is(err, context.Canceled) || time.Since(t0) > 2*time.Second {
		t.Fatalf("err %v after %s", err, time.Since(t0))
	}
}

// The hand-built SYN must be byte for byte what gopacket serialises, with
// a checksum that verifies, on both families.
func TestSynTemplateMatchesGopacket(t *testing.T) {
	for _, c := range []struct{ src, dst string }{
		{"203.0.113.130", "198.51.100.7"}, {"2001:db8:200::130", "2001:db8:100::7"}, {"203.0.113.1", "203.0.113.255"},
	} {
		src, dst := netip.MustParseAddr(c.src), netip.MustParseAddr(c.dst)
		tmpl := newSynTemplate(40123)
		for _, p := range []struct {
			port uint16
			seq  uint32
		}{{1, 0}, {80, 0xdeadbeef}, {65535, 0xffffffff}, {443, 0x0001fffe}} {
			got := make([]byte, synLen)
			tmpl.build(got, pseudoSum(src, dst), p.port, p.seq)
			tcp := &layers.TCP{SrcPort: 40123, DstPort: layers.TCPPort(p.port), Seq: p.seq, SYN: true, Window: 1024,
				Options: []layers.TCPOption{{OptionType: layers.TCPOptionKindMSS, OptionLength: 4, OptionData: []byte{0x05, 0xb4}}}}
			if src.Is4() {
				_ = tcp.SetNetworkLayerForChecksum(&layers.IPv4{Version: 4, Protocol: layers.IPProtocolTCP, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()})
			} else {
				_ = tcp.SetNetworkLayerForChecksum(&layers.IPv6{Version: 6, NextHeader: layers.IPProtocolTCP, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()})
			}
			buf := gopacket.NewSerializeBuffer()
			if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, tcp); err != nil {
				t.Fatal(err)
			}
			if want := buf.Bytes(); !slices.Equal(got, want) {
				t.Errorf("%s → %s port %d seq %#x:\n got  % x\n want % x", src, dst, p.port, p.seq, got, want)
			}
			if s := fold(pseudoSum(src, dst) + sum16(got)); s != 0xffff {
				t.Errorf("%s → %s port %d: checksum does not verify (%#x)", src, dst, p.port, s)
			}
		}
	}
}
