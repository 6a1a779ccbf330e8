package dnsscan

import (
	"bufio"
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"shindan/scanners"
)

// burstRcvBuf is the receive buffer asked for the burst socket: every
// reply of the burst at the largest datagram size, so a 65 KB amplifier's
// replies are not dropped by our own kernel while we read (the kernel may
// grant less: net.core.rmem_max).
const burstRcvBuf = rrlBurst * maxUDPReply

// snmpPath is the kernel's per-namespace UDP counter file.
var snmpPath = "/proc/net/snmp"

// burst sends rrlBurst copies of m over one UDP socket while a reader
// collects the replies, and counts replies within the I/O timeout after
// the last send. baseTC says the single reply was already truncated, so TC
// in the burst is not RRL's "slip". Missing replies count as rate limiting
// only when the scanner's own kernel dropped none (UdpRcvbufErrors).
func (c *client) burst(ctx context.Context, server string, m *dns.Msg, baseTC bool) scanners.DNSRRLResult {
	res := scanners.DNSRRLResult{LocalDrops: -1}
	conn, err := c.env.DialContext(ctx, "udp", server)
	if err != nil {
		return res
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	res.RcvBuf = setRcvBuf(conn, burstRcvBuf)
	before, snmpOK := udpRcvbufErrors()

	var mu sync.Mutex
	ids := map[uint16]bool{}
	wait := min(c.env.Timeout(), 2*time.Second)
	// The reader runs from before the first send: a burst of large
	// replies must be drained while it arrives.
	if err := conn.SetReadDeadline(time.Now().Add(wait + rrlBurst*time.Second)); err != nil {
		return res
	}
	type tally struct{ datagrams, bytes, answered, truncated int }
	done := make(chan tally, 1)
	go func() {
		var t tally
		buf := make([]byte, maxUDPReply)
		for t.answered < rrlBurst {
			n, err := conn.Read(buf)
			if err != nil {
				break
			}
			t.datagrams++
			t.bytes += n
			r := new(dns.Msg)
			if n < 12 || r.Unpack(buf[:n]) != nil {
				continue
			}
			mu.Lock()
			mine := ids[r.Id]
			delete(ids, r.Id)
			mu.Unlock()
			if !mine {
				continue
			}
			t.answered++
			if r.Truncated {
				t.truncated++
			}
		}
		done <- t
	}()
	for range rrlBurst {
		if c.env.Wait(ctx, 1) != nil {
			break
		}
		mu.Lock()
		m.Id = dns.Id()
		for ids[m.Id] {
			m.Id = dns.Id()
		}
		ids[m.Id] = true
		mu.Unlock()
		wire, err := m.Pack()
		if err != nil {
			break
		}
		if _, err := conn.Write(wire); err != nil {
			break
		}
		res.Sent++
	}
	conn.SetReadDeadline(time.Now().Add(wait))
	t := <-done
	res.Datagrams, res.Bytes, res.Answered, res.Truncated = t.datagrams, t.bytes, t.answered, t.truncated
	if after, ok := udpRcvbufErrors(); ok && snmpOK {
		res.LocalDrops = max(0, after-before)
	}
	missing := res.Answered < res.Sent
	res.LocalLoss = missing && res.LocalDrops != 0
	res.Limited = res.Sent > 0 && !res.LocalLoss && (missing || (!baseTC && res.Truncated > 0))
	return res
}

// setRcvBuf asks for n bytes of receive buffer on conn and returns what
// the kernel granted (SO_RCVBUF as Linux reports it), or 0 when it cannot
// tell.
func setRcvBuf(conn net.Conn, n int) int {
	uc, ok := conn.(*net.UDPConn)
	if !ok {
		return 0
	}
	_ = uc.SetReadBuffer(n)
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0
	}
	got := 0
	raw.Control(func(fd uintptr) {
		v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		if err == nil {
			got = v
		}
	})
	return got
}

// udpRcvbufErrors sums UDP receive-buffer drops of the scanner's network
// namespace: the RcvbufErrors column of /proc/net/snmp (IPv4) and
// Udp6RcvbufErrors of /proc/net/snmp6. It is namespace-wide, so another
// socket's drops count too: that can only make us more cautious.
func udpRcvbufErrors() (int, bool) {
	total, ok := 0, false
	if v, good := snmpColumn(snmpPath, "Udp:", "RcvbufErrors"); good {
		total, ok = total+v, true
	}
	if v, good := snmp6Value("/proc/net/snmp6", "Udp6RcvbufErrors"); good {
		total, ok = total+v, true
	}
	return total, ok
}

// snmpColumn finds the header line and the value line that start with
// prefix and returns the value under column name.
func snmpColumn(path, prefix, name string) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	var header []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != prefix {
			continue
		}
		if header == nil {
			header = fields
			continue
		}
		for i, h := range header {
			if h == name && i < len(fields) {
				v, err := strconv.Atoi(fields[i])
				return v, err == nil
			}
		}
		return 0, false
	}
	return 0, false
}

// snmp6Value reads one "Name value" line of /proc/net/snmp6.
func snmp6Value(path, name string) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 2 && fields[0] == name {
			v, err := strconv.Atoi(fields[1])
			return v, err == nil
		}
	}
	return 0, false
}
