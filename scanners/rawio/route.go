package rawio

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

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
