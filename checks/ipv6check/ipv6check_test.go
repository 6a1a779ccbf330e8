package ipv6check

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

var at = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func policy(t *testing.T, yaml string) *checks.Policy {
	t.Helper()
	p, err := checks.ParsePolicy("test.yaml", []byte("version: 1\n"+yaml))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func seg(data scanners.Payload, addr string) scanners.Observation {
	t := scanners.Target{Segment: "off0", Proto: scanners.L2}
	if addr != "" {
		t.Addr = netip.MustParseAddr(addr)
	}
	return scanners.Observation{Probe: ndpSegment, Target: t, At: at, Status: scanners.OK, Data: data,
		Evidence: []scanners.Evidence{{Kind: "packet", Summary: "frame"}}}
}

func summary() scanners.Observation {
	return seg(&scanners.SegmentScan{Iface: "off0", IPv4: []string{"203.0.113.0/25"}, WindowMS: 5000,
		Sent: []string{"echo-ff02::1", "mld-query", "rs", "dhcpv6-solicit"}}, "")
}

func failedSegment() scanners.Observation {
	return scanners.Failed(ndpSegment, scanners.Target{Segment: "off0", Proto: scanners.L2}, at, errors.New("ndpscan: interface \"off0\": no such network interface"))
}

func statuses(fs []checks.Finding) string {
	var s []string
	for _, f := range fs {
		if f.Title.JA == "" || f.Detail.JA == "" || f.Detail.EN == "" {
			panic("finding without bilingual text: " + f.Check)
		}
		s = append(s, string(f.Status)+":"+f.Subject)
	}
	return strings.Join(s, " ")
}

func run(c checks.Check, p *checks.Policy, obs ...scanners.Observation) []checks.Finding {
	return c.Evaluate(&checks.Input{Obs: obs, Policy: p, Now: at})
}

func TestUnintended(t *testing.T) {
	v4only := policy(t, "ipv4_only_segments: [203.0.113.0/24]\n")
	host := seg(&scanners.IPv6Host{MAC: "5e:c3:1f:25:fb:69", Addrs: []string{"fe80::5cc3:1fff:fe25:fb69"}, IPv4: []string{"203.0.113.11"}, Via: []string{"echo-reply", "mld-report"}}, "203.0.113.11")
	for _, c := range []struct {
		name string
		p    *checks.Policy
		obs  []scanners.Observation
		want string
	}{
		{"fail", v4only, []scanners.Observation{summary(), host}, "fail:mac 5e:c3:1f:25:fb:69"},
		{"pass", v4only, []scanners.Observation{summary()}, "pass:segment"},
		{"error", v4only, []scanners.Observation{failedSegment()}, "error:segment"},
		{"not declared", checks.DefaultPolicy(), []scanners.Observation{summary(), host}, "skipped:segment"},
	} {
		if got := statuses(run(unintended{}, c.p, c.obs...)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestRogueRA(t *testing.T) {
	ra := seg(&scanners.RouterAdvert{Router: "fe80::2431:73ff:fef8:ce08", MAC: "26:31:73:f8:ce:08", Prefixes: []string{"2001:db8:bad::/64"}, RouterLifetime: 1800, Count: 2}, "")
	ra0 := seg(&scanners.RouterAdvert{Router: "fe80::9", MAC: "02:00:00:00:00:09", RouterLifetime: 0}, "")
	for _, c := range []struct {
		name string
		p    *checks.Policy
		obs  []scanners.Observation
		want string
	}{
		{"ipv4-only", policy(t, "ipv4_only_segments: 203.0.113.0/25\nallowed_routers: [26:31:73:f8:ce:08]\n"), []scanners.Observation{summary(), ra}, "fail:router fe80::2431:73ff:fef8:ce08"},
		{"not allowed", checks.DefaultPolicy(), []scanners.Observation{summary(), ra, ra0}, "fail:router fe80::2431:73ff:fef8:ce08 warn:router fe80::9"},
		{"allowed by address", policy(t, "allowed_routers: [\"fe80::2431:73ff:fef8:ce08\"]\n"), []scanners.Observation{summary(), ra}, "pass:router fe80::2431:73ff:fef8:ce08"},
		{"none", checks.DefaultPolicy(), []scanners.Observation{summary()}, "pass:segment"},
		{"error", checks.DefaultPolicy(), []scanners.Observation{failedSegment()}, "error:segment"},
	} {
		if got := statuses(run(rogueRA{}, c.p, c.obs...)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestTransition(t *testing.T) {
	tr := seg(&scanners.Transition{Mechanism: "6to4", Source: "203.0.113.11", Dest: "192.88.99.1", Detail: "IP protocol 41"}, "")
	p := checks.DefaultPolicy()
	for _, c := range []struct {
		name string
		obs  []scanners.Observation
		want string
	}{
		{"fail", []scanners.Observation{summary(), tr}, "fail:6to4 203.0.113.11"},
		{"pass", []scanners.Observation{summary()}, "pass:segment"},
		{"error", []scanners.Observation{failedSegment()}, "error:segment"},
		{"no summary", []scanners.Observation{tr}, "error:segment"},
	} {
		if got := statuses(run(transition{}, p, c.obs...)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func port(addr, name string, p uint16, state string) scanners.Observation {
	t := scanners.Target{Addr: netip.MustParseAddr(addr), Name: name, Proto: scanners.TCP, Port: p}
	return scanners.Observation{Probe: portTCP, Target: t, At: at, Status: scanners.OK,
		Data: &scanners.PortState{Proto: scanners.TCP, Port: p, State: state, Reason: "syn-ack", Method: "syn"}}
}

func TestParity(t *testing.T) {
	v4, v6 := "198.51.100.100", "2001:db8:100::100"
	base := []scanners.Observation{port(v4, "ds.lab", 0, "up"), port(v6, "ds.lab", 0, "up"), port(v4, "ds.lab", 80, "open"), port(v6, "ds.lab", 80, "open")}
	down := scanners.Failed(portTCP, scanners.Target{Addr: netip.MustParseAddr(v4), Name: "ds.lab", Proto: scanners.TCP}, at, errors.New("no route to host"))
	p := checks.DefaultPolicy()
	for _, c := range []struct {
		name string
		obs  []scanners.Observation
		want string
	}{
		{"fail", append(base[:4:4], port(v6, "ds.lab", 8080, "open")), "fail:tcp/8080"},
		{"pass", base, "pass:tcp"},
		{"error", []scanners.Observation{down, port(v6, "ds.lab", 0, "up"), port(v6, "ds.lab", 80, "open")}, "error:tcp"},
		{"one family", []scanners.Observation{port(v4, "v4.lab", 0, "up"), port(v4, "v4.lab", 22, "open")}, ""},
		{"no name", []scanners.Observation{port(v4, "", 0, "up"), port(v6, "", 0, "up"), port(v6, "", 22, "open")}, ""},
	} {
		if got := statuses(run(parity{}, p, c.obs...)); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestGlobalExposure(t *testing.T) {
	v6 := "2001:db8:100::100"
	obs := []scanners.Observation{port(v6, "", 0, "up"), port(v6, "", 80, "open"), port(v6, "", 8080, "open"),
		port("198.51.100.100", "", 8080, "open"), port("fe80::1", "", 22, "open")}
	restricted := policy(t, "services:\n  - hosts: [\"2001:db8:100::/64\"]\n    allow: [tcp/80]\n")
	if got := statuses(run(globalExposure{}, restricted, obs...)); got != "fail:tcp/8080 info:inventory" {
		t.Errorf("policy: %q", got)
	}
	if got := statuses(run(globalExposure{}, checks.DefaultPolicy(), obs...)); got != "info:inventory" {
		t.Errorf("inventory: %q", got)
	}
	if got := statuses(run(globalExposure{}, checks.DefaultPolicy(), port(v6, "", 0, "up"))); got != "pass:tcp" {
		t.Errorf("nothing open: %q", got)
	}
	failed := scanners.Failed(portTCP, scanners.Target{Addr: netip.MustParseAddr(v6), Proto: scanners.TCP}, at, errors.New("network is unreachable"))
	if got := statuses(run(globalExposure{}, checks.DefaultPolicy(), failed)); got != "error:tcp" {
		t.Errorf("error: %q", got)
	}
}
