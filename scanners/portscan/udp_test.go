package portscan

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"shindan/scanners"
)

// remapEnv sends "127.0.0.1:<port>" dials to the fake servers in m, so
// tests never need privileged ports.
func remapEnv(m map[string]string) *scanners.Env {
	return &scanners.Env{IOTimeout: 2 * time.Second, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		if to, ok := m[network[:3]+"/"+addr]; ok {
			addr = to
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// fakeUDP answers every datagram with reply(req) split into datagrams.
func fakeUDP(t *testing.T, reply func(req []byte) [][]byte) string {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		b := make([]byte, 2048)
		for {
			n, a, err := pc.ReadFrom(b)
			if err != nil {
				return
			}
			for _, d := range reply(slices.Clone(b[:n])) {
				pc.WriteTo(d, a)
			}
		}
	}()
	return pc.LocalAddr().String()
}

func closedUDP(t *testing.T) string {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := pc.LocalAddr().String()
	pc.Close()
	return a
}

func ntpReply(req []byte) [][]byte {
	if len(req) < 2 || req[0]&7 != 6 {
		return nil
	}
	d := make([]byte, 300)
	d[0], d[1] = 0x16, 0x82
	return [][]byte{d, d}
}

// TestUDPSweep: a DNS answer is open, an ICMP port unreachable is closed,
// silence is open|filtered only on request.
func TestUDPSweep(t *testing.T) {
	dns := fakeUDP(t, func(req []byte) [][]byte {
		r := slices.Clone(req)
		r[2] |= 0x80
		return [][]byte{r}
	})
	silent := fakeUDP(t, func([]byte) [][]byte { return nil })
	env := remapEnv(map[string]string{"udp/127.0.0.1:53": dns, "udp/127.0.0.1:161": closedUDP(t), "udp/127.0.0.1:123": silent})
	a := netip.MustParseAddr("127.0.0.1")
	var c collector
	u := &UDP{Ports: []uint16{53, 161, 123}, Wait: 300 * time.Millisecond, OpenFiltered: true}
	if err := u.Sweep(context.Background(), env, slices.Values([]scanners.Target{{Addr: a}}), c.emit); err != nil {
		t.Fatal(err)
	}
	got := map[uint16]string{}
	for _, o := range c.obs {
		got[o.Target.Port] = o.Data.(*scanners.PortState).State
	}
	want := map[uint16]string{0: "up", 53: "open", 123: "open|filtered"}
	if len(got) != len(want) {
		t.Fatalf("states %v, want %v", got, want)
	}
	for p, s := range want {
		if got[p] != s {
			t.Errorf("udp/%d: %q, want %q", p, got[p], s)
		}
	}
}

// fakeProxy is a minimal forwarding HTTP proxy (absolute-URI GET only).
func fakeProxy(t *testing.T, allow bool) string {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				f := strings.Fields(line)
				if !allow || len(f) < 2 || f[0] != "GET" || !strings.HasPrefix(f[1], "http://") {
					io.WriteString(c, "HTTP/1.1 403 Filtered\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
					return
				}
				resp, err := http.Get(f[1])
				if err != nil {
					io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(b))+"\r\nConnection: close\r\n\r\n"+string(b))
			}()
		}
	}()
	return l.Addr().String()
}

// TestReflectorProbe: an NTP mode 6 answer is measured (600 bytes for 12,
// ×50), the silent protocols are listed, an open proxy is caught by the
// canary and a refusing one is not.
func TestReflectorProbe(t *testing.T) {
	env := remapEnv(map[string]string{
		"udp/127.0.0.1:123":  fakeUDP(t, ntpReply),
		"tcp/127.0.0.1:8080": fakeProxy(t, true),
		"tcp/127.0.0.1:3128": fakeProxy(t, false),
	})
	a := netip.MustParseAddr("127.0.0.1")
	env.Prior = func(id string, tt scanners.Target) []scanners.Observation {
		var out []scanners.Observation
		for _, p := range []uint16{8080, 3128, 22} {
			out = append(out, scanners.Observation{Probe: scanners.ProbePortTCP, Target: tt.Endpoint(scanners.TCP, p), Status: scanners.OK,
				Data: &scanners.PortState{Proto: scanners.TCP, Port: p, State: "open"}})
		}
		return out
	}
	obs, err := (&Reflector{Window: 300 * time.Millisecond}).Run(context.Background(), env, scanners.Target{Addr: a})
	if err != nil {
		t.Fatal(err)
	}
	var ntp *scanners.Reflector
	var summary *scanners.Reflector
	proxies := map[string]bool{}
	for _, o := range obs {
		switch d := o.Data.(type) {
		case *scanners.Reflector:
			if d.Protocol == "ntp-mode6" {
				ntp = d
			}
			if d.Protocol == "" {
				summary = d
			}
		case *scanners.Proxy:
			if o.Status != scanners.OK {
				t.Errorf("proxy observation %+v", o)
			}
			proxies[strconv.Itoa(int(d.Port))+"/"+d.Method] = d.Open
		}
	}
	if ntp == nil || ntp.RequestBytes != 12 || ntp.ResponseBytes != 600 || ntp.Packets != 2 || ntp.Factor != 50 {
		t.Fatalf("ntp measurement %+v", ntp)
	}
	if summary == nil || !slices.Contains(summary.Silent, "memcached") || slices.Contains(summary.Silent, "ntp-mode6") {
		t.Fatalf("summary %+v", summary)
	}
	if !proxies["8080/http"] || proxies["3128/http"] || proxies["8080/http-connect"] {
		t.Fatalf("proxy verdicts %v", proxies)
	}
	if _, tested := proxies["22/http"]; tested {
		t.Fatal("tcp/22 is not a proxy candidate")
	}
}
