package ndpscan

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"shindan/scanners"
)

// TestCaptureFilesFramesByKind drives the capture accumulator with the
// sightings one window could bring and checks what each kind of frame
// leaves and what the observations then say.
func TestCaptureFilesFramesByKind(t *testing.T) {
	const router, host, quiet = "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"
	ll := netip.MustParseAddr("fe80::1")
	c := newCapture("02:00:00:00:00:99")
	for _, sg := range []sighting{
		{mac: router, v4src: netip.MustParseAddr("203.0.113.1")}, // ARP reply
		{mac: router, v6src: ll, via: "ra", ra: &raInfo{prefixes: []string{"2001:db8:bad::/64"}, lifetime: 1800}},
		{mac: router, v6src: ll, via: "ra", ra: &raInfo{prefixes: []string{"2001:db8:bad::/64"}, managed: true, lifetime: 600}},
		{mac: host, v6src: netip.MustParseAddr("fe80::2"), via: "echo-reply"},
		{mac: host, v6src: netip.MustParseAddr("fe80::2"), via: "mld-report"},
		{mac: host, v6src: netip.IPv6Unspecified(), via: "ns"}, // DAD probe: no address
		{mac: quiet, v4src: netip.MustParseAddr("203.0.113.12")},
		{mac: quiet, v4src: netip.IPv4Unspecified()}, // ARP probe: no name
		{mac: quiet, trans: &transInfo{mech: "6in4", src: "203.0.113.12", dst: "198.51.100.1"}},
		{mac: quiet, trans: &transInfo{mech: "6in4", src: "203.0.113.12", dst: "198.51.100.1", detail: "again"}},
	} {
		c.add(sg)
	}
	ra := c.ras["fe80::1"]
	if ra == nil || ra.Count != 2 || !ra.Managed || ra.RouterLifetime != 600 || !slices.Equal(ra.Prefixes, []string{"2001:db8:bad::/64"}) {
		t.Fatalf("router: %+v", ra)
	}
	if h := c.hosts[host]; h == nil || !slices.Equal(h.addrs, []string{"fe80::2"}) || !slices.Equal(h.via, []string{"echo-reply", "mld-report", "ns"}) {
		t.Fatalf("host: %+v", c.hosts[host])
	}
	if _, ok := c.hosts[quiet]; ok || !slices.Equal(c.v4[quiet], []string{"203.0.113.12"}) {
		t.Fatalf("quiet host: %+v %v", c.hosts[quiet], c.v4[quiet])
	}
	if len(c.trans) != 1 || c.trans["6in4 203.0.113.12 198.51.100.1"].Detail != "" {
		t.Fatalf("transitions: %+v", c.trans)
	}
	var got []string
	c.emit(scanners.Target{Segment: "off0", Proto: scanners.L2}, time.Unix(0, 0), time.Second, []string{"rs"}, func(o scanners.Observation) {
		got = append(got, o.Data.Kind()+" "+o.Target.Addr.String())
	})
	want := []string{"router-advert 203.0.113.1", "quiet-host 203.0.113.12", "ipv6-host 203.0.113.1", "ipv6-host fe80::2", "ipv6-transition invalid IP"}
	if !slices.Equal(got, want) {
		t.Fatalf("observations %q, want %q", got, want)
	}
}
