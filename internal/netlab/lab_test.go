//go:build netlab

package netlab

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestLabReachability shows the wiring end to end: from the scanner
// namespace every declared TCP port of every host accepts over IPv4 and,
// where the host has an address, IPv6; an undeclared port is refused.
func TestLabReachability(t *testing.T) {
	l := Require(t)
	if len(l.Hosts) == 0 {
		t.Fatal("the lab has no hosts")
	}
	t.Run("scanner", func(t *testing.T) {
		checkIfaceAddr(t, l.Scanner.Ext.Iface, l.Scanner.Ext.IPv4)
		checkIfaceAddr(t, l.Scanner.Ext.Iface, l.Scanner.Ext.IPv6)
		checkIfaceAddr(t, l.Scanner.Office.Iface, l.Scanner.Office.IPv4)
	})
	for _, name := range l.HostNames() {
		if name == "guard" {
			// Reserved for the scope-guard capture tests of internal/engine,
			// which run in parallel with this one and count every packet
			// it receives; lab up has already waited for its port.
			continue
		}
		h := l.Host(name)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, port := range h.PortsOf("tcp") {
				for _, a := range h.Addrs() {
					addr := netip.AddrPortFrom(a, port).String()
					c, err := dial(t.Context(), "tcp", addr)
					if err != nil {
						t.Errorf("tcp %s (%s): %v", addr, h.Role, err)
						continue
					}
					c.Close()
				}
			}
			if h.Serves("udp/11211") {
				for _, a := range h.Addrs() {
					memcachedUDPVersion(t, netip.AddrPortFrom(a, 11211))
				}
			}
		})
	}

	t.Run("refused", func(t *testing.T) {
		name := "clean"
		if _, ok := l.Lookup(name); !ok {
			name = l.HostNames()[0]
		}
		h := l.Host(name)
		const port = 8
		if h.Serves("tcp/" + strconv.Itoa(port)) {
			t.Fatalf("%s declares tcp/%d", name, port)
		}
		for _, a := range h.Addrs() {
			addr := netip.AddrPortFrom(a, port).String()
			c, err := dial(t.Context(), "tcp", addr)
			if err == nil {
				c.Close()
				t.Errorf("%s tcp %s accepted, want refused", name, addr)
				continue
			}
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("%s tcp %s: %v, want connection refused", name, addr, err)
			}
		}
	})
}

func dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 3 * time.Second}
	return d.DialContext(ctx, network, addr)
}

func checkIfaceAddr(t *testing.T, iface string, want netip.Addr) {
	t.Helper()
	if !want.IsValid() {
		return
	}
	ifc, err := net.InterfaceByName(iface)
	if err != nil {
		t.Errorf("scanner interface %s: %v", iface, err)
		return
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		t.Errorf("scanner interface %s: %v", iface, err)
		return
	}
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr() == want {
			return
		}
	}
	t.Errorf("scanner interface %s has %v, want %v among them", iface, addrs, want)
}

// memcachedUDPVersion asks memcached's UDP listener for its version: the UDP
// frame header is request id, sequence number, datagram count, reserved.
func memcachedUDPVersion(t *testing.T, ap netip.AddrPort) {
	t.Helper()
	c, err := dial(t.Context(), "udp", ap.String())
	if err != nil {
		t.Errorf("udp %s: %v", ap, err)
		return
	}
	defer c.Close()
	req := append([]byte{0, 7, 0, 0, 0, 1, 0, 0}, "version\r\n"...)
	buf := make([]byte, 1500)
	for try := 0; try < 3; try++ {
		if _, err := c.Write(req); err != nil {
			t.Errorf("udp %s: %v", ap, err)
			return
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		n, err := c.Read(buf)
		if err != nil {
			continue
		}
		if n < 8 || !bytes.HasPrefix(buf[8:n], []byte("VERSION ")) {
			t.Errorf("udp %s: reply %q, want a memcached VERSION", ap, buf[:n])
		}
		return
	}
	t.Errorf("udp %s: no memcached reply", ap)
}
