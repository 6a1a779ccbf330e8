package rawio

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"shindan/scanners"
)

// IPConn is a raw IP socket for one family and one IP protocol. The kernel
// builds the IP header and picks the route; reads return the transport
// header onwards (Go strips the IPv4 header; IPv6 raw sockets never carry it).
type IPConn struct {
	pc  *net.IPConn
	six bool
	dl  time.Time // the read deadline last set (Recv is single-reader)
}

// ListenIP opens a raw socket for proto ("tcp", "icmp", "ipv6-icmp", "udp")
// on IPv4 (six false) or IPv6.
func ListenIP(six bool, proto string) (*IPConn, error) { return ListenIPOn(six, proto, "") }

// ListenIPOn is ListenIP bound to one interface (SO_BINDTODEVICE) when
// iface is not empty.
func ListenIPOn(six bool, proto, iface string) (*IPConn, error) {
	network, laddr := "ip4:"+proto, "0.0.0.0"
	if six {
		network, laddr = "ip6:"+proto, "::"
	}
	lc := net.ListenConfig{}
	if iface != "" {
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = unix.BindToDevice(int(fd), iface)
			}); err != nil {
				return err
			}
			return serr
		}
	}
	pc, err := lc.ListenPacket(context.Background(), network, laddr)
	if err != nil {
		return nil, permErr("listen "+network, err)
	}
	ipc := pc.(*net.IPConn)
	// A SYN sweep's replies arrive in bursts; a large buffer keeps them.
	_ = ipc.SetReadBuffer(8 << 20)
	_ = ipc.SetWriteBuffer(4 << 20)
	return &IPConn{pc: ipc, six: six}, nil
}

// Send writes one transport segment to dst after the scope and rate gate.
func (c *IPConn) Send(ctx context.Context, env *scanners.Env, dst netip.Addr, b []byte) error {
	if err := Gate(ctx, env, dst); err != nil {
		return err
	}
	_, err := c.pc.WriteToIP(b, &net.IPAddr{IP: dst.AsSlice(), Zone: dst.Zone()})
	if err != nil && errors.Is(err, unix.ENOBUFS) {
		// The qdisc is full: back off briefly and try once more rather
		// than silently losing the probe.
		time.Sleep(time.Millisecond)
		_, err = c.pc.WriteToIP(b, &net.IPAddr{IP: dst.AsSlice(), Zone: dst.Zone()})
	}
	return err
}

// SendPaid is Send for a caller that has already taken this packet's token
// from env.Wait (senders take tokens in small batches so that the limiter's
// timer wake-ups do not cap the rate below --rate). It still checks scope.
func (c *IPConn) SendPaid(env *scanners.Env, dst netip.Addr, b []byte) error {
	if env.Allow != nil && !env.Allow(dst) {
		return fmt.Errorf("rawio: %s: %w", dst, scanners.ErrOutOfScope)
	}
	_, err := c.pc.WriteToIP(b, &net.IPAddr{IP: dst.AsSlice(), Zone: dst.Zone()})
	if err != nil && errors.Is(err, unix.ENOBUFS) {
		time.Sleep(time.Millisecond)
		_, err = c.pc.WriteToIP(b, &net.IPAddr{IP: dst.AsSlice(), Zone: dst.Zone()})
	}
	return err
}

// Recv reads one segment into b before the deadline; it returns
// os.ErrDeadlineExceeded when nothing arrived. Only one goroutine may call
// Recv; passing the same deadline again skips re-arming the timer, which
// matters at tens of thousands of packets per second.
func (c *IPConn) Recv(b []byte, deadline time.Time) (int, netip.Addr, error) {
	if !deadline.Equal(c.dl) {
		if err := c.pc.SetReadDeadline(deadline); err != nil {
			return 0, netip.Addr{}, err
		}
		c.dl = deadline
	}
	n, a, err := c.pc.ReadFromIP(b)
	if err != nil {
		return 0, netip.Addr{}, err
	}
	src, _ := netip.AddrFromSlice(a.IP)
	if !c.six {
		src = src.Unmap()
	}
	return n, src, nil
}

// Close closes the socket.
func (c *IPConn) Close() error { return c.pc.Close() }

// IsTimeout reports whether a Recv error is only the deadline passing.
func IsTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// SourceFor returns the local address the kernel would use to reach dst.
// It connects an unbound UDP socket, which sends nothing on the wire.
func SourceFor(dst netip.Addr) (netip.Addr, error) {
	dst = dst.Unmap()
	fam := unix.AF_INET
	var sa unix.Sockaddr
	if dst.Is4() {
		sa = &unix.SockaddrInet4{Port: 9, Addr: dst.As4()}
	} else {
		fam = unix.AF_INET6
		s6 := &unix.SockaddrInet6{Port: 9, Addr: dst.As16()}
		if z := dst.Zone(); z != "" {
			if ifi, err := net.InterfaceByName(z); err == nil {
				s6.ZoneId = uint32(ifi.Index)
			}
		}
		sa = s6
	}
	fd, err := unix.Socket(fam, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("rawio: route lookup: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, sa); err != nil {
		return netip.Addr{}, fmt.Errorf("rawio: no route to %s: %w", dst, err)
	}
	ls, err := unix.Getsockname(fd)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("rawio: route lookup: %w", err)
	}
	switch s := ls.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(s.Addr), nil
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(s.Addr), nil
	}
	return netip.Addr{}, fmt.Errorf("rawio: route lookup for %s: unexpected address family", dst)
}
