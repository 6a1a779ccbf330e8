package rawio

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"shindan/scanners"
)

// BatchConn is a raw IP socket for sweeps of tens of thousands of packets
// per second: sends go out in sendmmsg(2) batches and receives are drained
// with non-blocking recvmmsg(2) calls that the caller polls. The socket is
// deliberately not registered with Go's network poller: a sweep's replies
// arrive at the rate it sends, and a blocked reader (or the poller thread
// in epoll_wait) is woken by the kernel for every one of them. Those
// wake-ups, not the packets, were most of an all-ports scan's kernel time;
// a reader that polls every millisecond drains the same packets without
// any (nmap's libpcap ring works the same way).
type BatchConn struct {
	fd    int
	six   bool
	batch int

	// receive side (one reader)
	rmsgs  []mmsghdr
	riovs  []unix.Iovec
	rnames []unix.RawSockaddrInet6 // large enough for either family
	rbufs  [][]byte
}

// mmsghdr is struct mmsghdr of <sys/socket.h>.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32 // Go pads the struct to Msghdr's alignment, as C does
}

// ListenBatch opens a raw socket for IP protocol proto (unix.IPPROTO_TCP,
// IPPROTO_ICMP, IPPROTO_ICMPV6) on IPv4 (six false) or IPv6, bound to
// iface when it is not empty, with room for batch packets per call.
func ListenBatch(six bool, proto int, iface string, batch int) (*BatchConn, error) {
	fam := unix.AF_INET
	if six {
		fam = unix.AF_INET6
	}
	fd, err := unix.Socket(fam, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, permErr(fmt.Sprintf("raw socket (family %d, protocol %d)", fam, proto), err)
	}
	if iface != "" {
		if err := unix.BindToDevice(fd, iface); err != nil {
			unix.Close(fd)
			return nil, permErr("bind to "+iface, err)
		}
	}
	// Replies queue between two polls; the forced size (CAP_NET_ADMIN)
	// holds a few hundred milliseconds of them, the plain one is capped by
	// net.core.rmem_max.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 8<<20)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4<<20)
	batch = max(1, batch)
	c := &BatchConn{fd: fd, six: six, batch: batch,
		rmsgs: make([]mmsghdr, batch), riovs: make([]unix.Iovec, batch), rnames: make([]unix.RawSockaddrInet6, batch),
		rbufs: make([][]byte, batch)}
	for i := range c.rbufs {
		c.rbufs[i] = make([]byte, batchPacket)
	}
	return c, nil
}

// batchPacket bounds each received packet: a sweep reads only headers
// (a reply's TCP header, the IP and TCP headers an ICMP error quotes), so
// a larger packet is cut there, and a receiver holds Batch of these.
const batchPacket = 2048

// RecvBuffer is the socket's receive buffer in bytes as the kernel set it
// (twice the size asked for, capped by net.core.rmem_max unless forced).
func (c *BatchConn) RecvBuffer() int {
	n, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	if err != nil {
		return 0
	}
	return n
}

// Batch is how many packets one SendBatch or RecvBatch call handles.
func (c *BatchConn) Batch() int { return c.batch }

// Sender holds one sending goroutine's message buffers; several may share
// a BatchConn, one Sender belongs to one goroutine. (Two senders on two
// cores did not make an all-ports sweep faster here: 0.50-0.59 s against
// 0.43-0.56 s with one, with more kernel time.)
type Sender struct {
	c      *BatchConn
	smsgs  []mmsghdr
	siovs  []unix.Iovec
	sname4 []unix.RawSockaddrInet4
	sname6 []unix.RawSockaddrInet6
	sidx   []int // message → index in the caller's slice
}

// NewSender returns a Sender for one goroutine.
func (c *BatchConn) NewSender() *Sender {
	s := &Sender{c: c, smsgs: make([]mmsghdr, c.batch), siovs: make([]unix.Iovec, c.batch), sidx: make([]int, c.batch)}
	if c.six {
		s.sname6 = make([]unix.RawSockaddrInet6, c.batch)
	} else {
		s.sname4 = make([]unix.RawSockaddrInet4, c.batch)
	}
	return s
}

// SendBatch sends pkts[i] to dsts[i] (at most Batch packets; the caller
// has paid their rate tokens) and calls done(i, err) once per packet, err
// nil when the kernel took it. A destination outside env's scope is
// refused without being sent. A full queue (ENOBUFS, EAGAIN) is retried
// after 1 ms, three times, before the packet fails.
func (s *Sender) SendBatch(env *scanners.Env, dsts []netip.Addr, pkts [][]byte, done func(i int, err error)) {
	n := 0
	for i, dst := range dsts[:min(len(dsts), len(s.smsgs))] {
		if env.Allow != nil && !env.Allow(dst) {
			done(i, fmt.Errorf("rawio: %s: %w", dst, scanners.ErrOutOfScope))
			continue
		}
		if dst.Is4() == s.c.six {
			done(i, fmt.Errorf("rawio: %s: wrong address family for this socket", dst))
			continue
		}
		m := &s.smsgs[n]
		*m = mmsghdr{}
		s.siovs[n] = unix.Iovec{Base: unsafe.SliceData(pkts[i])}
		s.siovs[n].SetLen(len(pkts[i]))
		m.hdr.Iov = &s.siovs[n]
		m.hdr.SetIovlen(1)
		if s.c.six {
			s.sname6[n] = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: dst.As16(), Scope_id: zoneIndex(dst)}
			m.hdr.Name = (*byte)(unsafe.Pointer(&s.sname6[n]))
			m.hdr.Namelen = unix.SizeofSockaddrInet6
		} else {
			s.sname4[n] = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: dst.As4()}
			m.hdr.Name = (*byte)(unsafe.Pointer(&s.sname4[n]))
			m.hdr.Namelen = unix.SizeofSockaddrInet4
		}
		s.sidx[n] = i
		n++
	}
	for at, tries := 0, 0; at < n; {
		k, _, e := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(s.c.fd), uintptr(unsafe.Pointer(&s.smsgs[at])), uintptr(n-at), 0, 0, 0)
		switch {
		case e == 0:
			for j := at; j < at+int(k); j++ {
				done(s.sidx[j], nil)
			}
			at += int(k)
			tries = 0
		case (e == unix.ENOBUFS || e == unix.EAGAIN || e == unix.EINTR) && tries < 3:
			tries++
			if e != unix.EINTR {
				time.Sleep(time.Millisecond)
			}
		default:
			// The first message of the rest failed (EHOSTUNREACH after a
			// failed neighbour lookup, a full queue three times): report
			// it and go on with the others.
			done(s.sidx[at], fmt.Errorf("rawio: send to %s: %w", s.dst(at), e))
			at++
			tries = 0
		}
	}
	for j := range n {
		s.siovs[j].Base = nil // do not keep the caller's buffers alive
	}
}

func (s *Sender) dst(j int) netip.Addr {
	if s.c.six {
		return netip.AddrFrom16(s.sname6[j].Addr)
	}
	return netip.AddrFrom4(s.sname4[j].Addr)
}

// zoneIndex is the interface index of a link-local destination's zone.
func zoneIndex(a netip.Addr) uint32 {
	if a.Zone() == "" {
		return 0
	}
	if ifi, err := net.InterfaceByName(a.Zone()); err == nil {
		return uint32(ifi.Index)
	}
	return 0
}

// Packet is one received packet: its transport header onwards (the IPv4
// header the kernel hands a raw socket is stripped) and its source address.
type Packet struct {
	Data []byte
	Src  netip.Addr
}

// RecvBatch reads the packets queued on the socket, at most Batch, without
// waiting, and calls got for each; the data is only valid during the
// call. It returns how many were read: 0 when none was queued.
func (c *BatchConn) RecvBatch(got func(Packet)) (int, error) {
	for i := range c.rmsgs {
		c.riovs[i] = unix.Iovec{Base: unsafe.SliceData(c.rbufs[i])}
		c.riovs[i].SetLen(len(c.rbufs[i]))
		c.rmsgs[i] = mmsghdr{}
		c.rmsgs[i].hdr.Iov = &c.riovs[i]
		c.rmsgs[i].hdr.SetIovlen(1)
		c.rmsgs[i].hdr.Name = (*byte)(unsafe.Pointer(&c.rnames[i]))
		c.rmsgs[i].hdr.Namelen = unix.SizeofSockaddrInet6
	}
	k, _, e := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(c.fd), uintptr(unsafe.Pointer(&c.rmsgs[0])), uintptr(len(c.rmsgs)),
		unix.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		if e == unix.EAGAIN || e == unix.EINTR {
			return 0, nil
		}
		return 0, fmt.Errorf("rawio: receive: %w", e)
	}
	for i := range int(k) {
		b := c.rbufs[i][:min(int(c.rmsgs[i].len), len(c.rbufs[i]))]
		var src netip.Addr
		if c.six {
			src = netip.AddrFrom16(c.rnames[i].Addr)
		} else {
			// An IPv4 raw socket delivers the IP header: skip it.
			if len(b) < 20 || b[0]>>4 != 4 || int(b[0]&0x0f)*4 > len(b) || b[0]&0x0f < 5 {
				continue
			}
			src = netip.AddrFrom4([4]byte(b[12:16]))
			b = b[int(b[0]&0x0f)*4:]
		}
		got(Packet{Data: b, Src: src})
	}
	return int(k), nil
}

// Close closes the socket.
func (c *BatchConn) Close() error {
	if c.fd < 0 {
		return errors.New("rawio: socket already closed")
	}
	err := unix.Close(c.fd)
	c.fd = -1
	return err
}
