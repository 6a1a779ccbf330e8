// Package neighscan reads the kernel's neighbour table (ARP for IPv4,
// NDP for IPv6) for the hosts discovery reached. Two addresses with the
// same link-layer address on one link are one machine: ipv6.parity pairs
// a host's IPv4 and IPv6 addresses with it when no DNS name ties them
// together. It sends nothing: discovery already made the kernel resolve
// every on-link address it probed, and the table is read, not asked.
package neighscan

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"shindan/scanners"
)

func init() { scanners.Register(&Probe{}) }

var _ scanners.Probe = (*Probe)(nil)

// Probe looks up each live host in the neighbour table. The table is
// dumped once and reused for cacheFor, so a /16 sweep costs a few dumps,
// not one per host.
type Probe struct {
	mu    sync.Mutex
	at    time.Time
	table map[netip.Addr]Entry
	err   error
	// Dump replaces the netlink dump (tests); nil means the kernel's.
	Dump func() ([]byte, error)
}

// cacheFor is how long one dump answers lookups. Discovery of a host ends
// before its host probes start, so its entry is in the table by then.
const cacheFor = 2 * time.Second

// missAfter bounds how often a host missing from the table makes the probe
// dump it again (off-link hosts are all misses).
const missAfter = 200 * time.Millisecond

// Info describes the probe: once per live host, after discovery.
func (p *Probe) Info() scanners.ProbeInfo {
	return scanners.ProbeInfo{ID: scanners.ProbeNetNeighbor, Level: scanners.LevelHost}
}

// Run reports the link-layer address of t, or Unavailable when t is not
// on a link the scanner shares (off-link hosts are reached through a
// router and have no entry of their own).
func (p *Probe) Run(ctx context.Context, env *scanners.Env, t scanners.Target) ([]scanners.Observation, error) {
	now := env.Clock()
	table, err := p.lookup(now, false)
	if err != nil {
		return []scanners.Observation{scanners.Failed(scanners.ProbeNetNeighbor, t, now, err)}, nil
	}
	e, ok := table[t.Addr.WithZone("")]
	if !ok {
		// The dump may predate this host's discovery (one process runs
		// many scans: sweeps, tests): ask the kernel again, at most every
		// missAfter, before saying the host is off-link.
		if table, err = p.lookup(now, true); err == nil {
			e, ok = table[t.Addr.WithZone("")]
		}
	}
	if !ok {
		return []scanners.Observation{{Probe: scanners.ProbeNetNeighbor, Target: t, At: now, Status: scanners.Unavailable,
			Reason: "no neighbour entry: the host is not on a link the scanner shares"}}, nil
	}
	return []scanners.Observation{{Probe: scanners.ProbeNetNeighbor, Target: t, At: now, Status: scanners.OK,
		Data:     &scanners.Neighbor{MAC: e.MAC, State: e.State, Iface: e.Iface},
		Evidence: []scanners.Evidence{{Kind: "note", Summary: fmt.Sprintf("neighbour table: %s lladdr %s dev %s %s", t.Addr, e.MAC, e.Iface, e.State)}}}}, nil
}

// lookup returns the neighbour table, dumping it from the kernel at most
// once per cacheFor for a whole scan's hosts. After a miss the table is
// re-read sooner (missAfter): the scan's own traffic to that host may
// have just created its entry. A clock that went backwards (age < 0)
// forces a re-read rather than trusting a stale table forever.
func (p *Probe) lookup(now time.Time, missed bool) (map[netip.Addr]Entry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	age := now.Sub(p.at)
	fresh := age < cacheFor
	if missed {
		fresh = age < missAfter
	}
	if p.table != nil && fresh && age >= 0 {
		return p.table, p.err
	}
	dump := p.Dump
	if dump == nil {
		dump = kernelDump
	}
	b, err := dump()
	p.at, p.err = now, err
	if err != nil {
		p.table = map[netip.Addr]Entry{}
		return p.table, fmt.Errorf("neighscan: reading the neighbour table: %w", err)
	}
	entries, err := Parse(b)
	p.table = map[netip.Addr]Entry{}
	for _, e := range entries {
		p.table[e.Addr] = e
	}
	if err != nil {
		p.err = fmt.Errorf("neighscan: %w", err)
	}
	return p.table, p.err
}

// kernelDump reads the IPv4 and IPv6 neighbour tables (ARP and NDP) in
// one netlink dump; it needs no privilege.
func kernelDump() ([]byte, error) { return syscall.NetlinkRIB(syscall.RTM_GETNEIGH, syscall.AF_UNSPEC) }

// Entry is one usable neighbour table entry.
type Entry struct {
	Addr  netip.Addr
	MAC   string
	State string // reachable, stale, delay, probe, permanent, noarp
	Iface string
}

// Neighbour states (linux/neighbour.h NUD_*). Incomplete and failed
// entries have no link-layer address worth pairing on.
var states = map[uint16]string{0x02: "reachable", 0x04: "stale", 0x08: "delay", 0x10: "probe", 0x40: "noarp", 0x80: "permanent"}

const (
	ndaDst    = 1  // NDA_DST
	ndaLLAddr = 2  // NDA_LLADDR
	ndmsgLen  = 12 // sizeof(struct ndmsg), the header before the attributes
)

// Parse reads an RTM_GETNEIGH dump: netlink messages, each an ndmsg
// followed by route attributes. Entries without a usable state or
// address are skipped; a truncated message is an error, with what was
// read before it.
func Parse(b []byte) ([]Entry, error) {
	msgs, err := syscall.ParseNetlinkMessage(b)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, m := range msgs {
		if m.Header.Type == syscall.NLMSG_DONE {
			break
		}
		if m.Header.Type != syscall.RTM_NEWNEIGH {
			continue
		}
		d := m.Data
		if len(d) < ndmsgLen {
			return out, errors.New("short neighbour message")
		}
		ifindex := int32(binary.NativeEndian.Uint32(d[4:8]))
		state, ok := states[binary.NativeEndian.Uint16(d[8:10])]
		if !ok {
			continue
		}
		var e Entry
		e.State = state
		for a := d[ndmsgLen:]; len(a) >= 4; {
			l := int(binary.NativeEndian.Uint16(a[0:2]))
			typ := binary.NativeEndian.Uint16(a[2:4]) &^ 0xc000 // NLA_F_NESTED | NLA_F_NET_BYTEORDER
			if l < 4 || l > len(a) {
				return out, errors.New("malformed neighbour attribute")
			}
			v := a[4:l]
			switch typ {
			case ndaDst:
				if ip, ok := netip.AddrFromSlice(v); ok {
					e.Addr = ip.Unmap()
				}
			case ndaLLAddr:
				if len(v) == 6 {
					e.MAC = net.HardwareAddr(v).String()
				}
			}
			next := (l + 3) &^ 3
			if next > len(a) {
				break
			}
			a = a[next:]
		}
		if !e.Addr.IsValid() || e.MAC == "" || e.MAC == "00:00:00:00:00:00" {
			continue
		}
		if ifc, err := net.InterfaceByIndex(int(ifindex)); err == nil {
			e.Iface = ifc.Name
		}
		out = append(out, e)
	}
	return out, nil
}
