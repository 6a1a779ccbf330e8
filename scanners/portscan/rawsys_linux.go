package portscan

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// These wrap socket(2), connect(2), getsockopt(2), epoll_ctl(2) and
// close(2) on non-blocking descriptors with RawSyscall: none of them can
// block, and skipping the runtime's entersyscall/exitsyscall (and the
// scheduler hand-offs they trigger) is what brings the full-range connect
// scan down to nmap's syscall budget.

func rawSocket(family int) (int, error) {
	fd, _, e := unix.RawSyscall(unix.SYS_SOCKET, uintptr(family), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

// rawAddr is a prepared sockaddr for one host; only the port changes.
type rawAddr struct {
	v4  unix.RawSockaddrInet4
	v6  unix.RawSockaddrInet6
	is4 bool
}

func newRawAddr(a netip.Addr) *rawAddr {
	r := &rawAddr{is4: a.Is4()}
	if r.is4 {
		r.v4.Family = unix.AF_INET
		r.v4.Addr = a.As4()
	} else {
		r.v6.Family = unix.AF_INET6
		r.v6.Addr = a.As16()
	}
	return r
}

func (r *rawAddr) connect(fd int, port uint16) error {
	var p unsafe.Pointer
	var n uintptr
	if r.is4 {
		b := (*[2]byte)(unsafe.Pointer(&r.v4.Port))
		b[0], b[1] = byte(port>>8), byte(port)
		p, n = unsafe.Pointer(&r.v4), unsafe.Sizeof(r.v4)
	} else {
		b := (*[2]byte)(unsafe.Pointer(&r.v6.Port))
		b[0], b[1] = byte(port>>8), byte(port)
		p, n = unsafe.Pointer(&r.v6), unsafe.Sizeof(r.v6)
	}
	_, _, e := unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(p), n)
	if e != 0 {
		return e
	}
	return nil
}

func rawSoError(fd int) (unix.Errno, error) {
	var v int32
	l := uint32(4)
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_ERROR,
		uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return 0, e
	}
	return unix.Errno(v), nil
}

func rawEpollAdd(ep, fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLERR | unix.EPOLLHUP, Fd: int32(fd)}
	_, _, e := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(ep), unix.EPOLL_CTL_ADD, uintptr(fd), uintptr(unsafe.Pointer(&ev)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func rawClose(fd int) { unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0) }
