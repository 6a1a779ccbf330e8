package rawio

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"shindan/scanners"
)

// PacketConn is an AF_PACKET socket bound to one interface: it sees every
// frame on the link (ETH_P_ALL) and sends whole Ethernet frames.
type PacketConn struct {
	f     *os.File
	fd    int
	Iface *net.Interface
}

// htons puts a protocol number in network byte order for AF_PACKET's
// protocol argument. The unconditional swap assumes a little-endian host
// (amd64, arm64).
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// ListenPacket opens iface for layer-2 capture and sending. allMulti makes
// the interface pass every multicast frame (RA, MLD, ND to solicited-node
// groups); promisc every unicast frame too (tunnel traffic between other
// hosts on a hub or mirror port).
func ListenPacket(iface string, allMulti, promisc bool) (*PacketConn, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, fmt.Errorf("rawio: interface %q: %w", iface, err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, permErr("AF_PACKET socket", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, permErr("bind "+iface, err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	for _, m := range []struct {
		on  bool
		typ uint16
	}{{allMulti, unix.PACKET_MR_ALLMULTI}, {promisc, unix.PACKET_MR_PROMISC}} {
		if !m.on {
			continue
		}
		mr := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: m.typ}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mr); err != nil {
			unix.Close(fd)
			return nil, permErr("packet membership on "+iface, err)
		}
	}
	// A nonblocking descriptor lets os.File use the runtime poller, which
	// gives us read deadlines.
	return &PacketConn{f: os.NewFile(uintptr(fd), "packet:"+iface), fd: fd, Iface: ifi}, nil
}

// Send writes one Ethernet frame after the scope and rate gate for dst,
// the frame's IP destination (a multicast group for segment probes).
func (c *PacketConn) Send(ctx context.Context, env *scanners.Env, dst netip.Addr, frame []byte) error {
	if err := Gate(ctx, env, dst); err != nil {
		return err
	}
	_, err := c.f.Write(frame)
	return err
}

// Recv reads one frame into b before the deadline; outgoing reports a
// frame this host sent (PACKET_OUTGOING), which listeners usually skip.
func (c *PacketConn) Recv(b []byte, deadline time.Time) (n int, outgoing bool, err error) {
	if err := c.f.SetReadDeadline(deadline); err != nil {
		return 0, false, err
	}
	rc, err := c.f.SyscallConn()
	if err != nil {
		return 0, false, err
	}
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		var from unix.Sockaddr
		n, from, rerr = unix.Recvfrom(int(fd), b, 0)
		if rerr == unix.EAGAIN {
			return false
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok {
			outgoing = ll.Pkttype == unix.PACKET_OUTGOING
		}
		return true
	})
	if err != nil {
		return 0, false, err
	}
	return n, outgoing, rerr
}

// Close releases the socket (and its multicast/promiscuous membership).
func (c *PacketConn) Close() error { return c.f.Close() }
