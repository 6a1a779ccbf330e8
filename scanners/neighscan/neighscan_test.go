package neighscan

import (
	"context"
	"encoding/binary"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"shindan/scanners"
)

// msg builds one RTM_NEWNEIGH message as the kernel sends it.
func msg(addr netip.Addr, mac []byte, state uint16) []byte {
	attr := func(typ uint16, v []byte) []byte {
		b := make([]byte, 4, 4+len(v)+3)
		binary.NativeEndian.PutUint16(b[0:2], uint16(4+len(v)))
		binary.NativeEndian.PutUint16(b[2:4], typ)
		b = append(b, v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	body := make([]byte, ndmsgLen)
	body[0] = syscall.AF_INET
	binary.NativeEndian.PutUint32(body[4:8], 1) // lo: always there
	binary.NativeEndian.PutUint16(body[8:10], state)
	body = append(body, attr(ndaDst, addr.AsSlice())...)
	if mac != nil {
		body = append(body, attr(ndaLLAddr, mac)...)
	}
	h := make([]byte, syscall.NLMSG_HDRLEN)
	binary.NativeEndian.PutUint32(h[0:4], uint32(len(h)+len(body)))
	binary.NativeEndian.PutUint16(h[4:6], syscall.RTM_NEWNEIGH)
	return append(h, body...)
}

func TestParse(t *testing.T) {
	v4, v6 := netip.MustParseAddr("203.0.113.20"), netip.MustParseAddr("2001:db8:200::20")
	mac := []byte{0x02, 0, 0, 0, 0, 0x20}
	var dump []byte
	dump = append(dump, msg(v4, mac, 0x02)...)
	dump = append(dump, msg(v6, mac, 0x04)...)
	dump = append(dump, msg(netip.MustParseAddr("203.0.113.99"), nil, 0x20)...) // failed: no lladdr
	es, err := Parse(dump)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Addr != v4 || es[0].MAC != "02:00:00:00:00:20" || es[0].State != "reachable" ||
		es[1].Addr != v6 || es[1].State != "stale" || es[1].MAC != es[0].MAC {
		t.Fatalf("%+v", es)
	}

	p := &Probe{Dump: func() ([]byte, error) { return dump, nil }}
	env := &scanners.Env{Now: func() time.Time { return time.Unix(1000, 0) }}
	obs, _ := p.Run(context.Background(), env, scanners.Target{Addr: v6})
	if n, ok := obs[0].Data.(*scanners.Neighbor); !ok || obs[0].Status != scanners.OK || n.MAC != "02:00:00:00:00:20" {
		t.Fatalf("%+v", obs)
	}
	obs, _ = p.Run(context.Background(), env, scanners.Target{Addr: netip.MustParseAddr("198.51.100.10")})
	if obs[0].Status != scanners.Unavailable || obs[0].Reason == "" {
		t.Fatalf("an off-link host must say why it has no entry: %+v", obs)
	}
}

func TestKernelDumpParses(t *testing.T) {
	b, err := kernelDump()
	if err != nil {
		t.Skipf("no netlink here: %v", err)
	}
	if _, err := Parse(b); err != nil {
		t.Fatalf("the kernel's own dump: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(msg(netip.MustParseAddr("203.0.113.20"), []byte{2, 0, 0, 0, 0, 1}, 2))
	f.Add(msg(netip.MustParseAddr("2001:db8::1"), []byte{2, 0, 0, 0, 0, 1}, 0x80))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, _ := Parse(b)
		for _, e := range es {
			if !e.Addr.IsValid() || e.MAC == "" {
				t.Fatalf("unusable entry returned: %+v", e)
			}
		}
	})
}
