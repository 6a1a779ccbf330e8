package ipv6check

import (
	"errors"
	"net/netip"
	"slices"
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
	return scanners.Observation{Probe: scanners.ProbeNDPSegment, Target: t, At: at, Status: scanners.OK, Data: data,
		Evidence: []scanners.Evidence{{Kind: "packet", Summary: "frame"}}}
}

func summary() scanners.Observation {
	return seg(&scanners.SegmentScan{Iface: "off0", IPv4: []string{"203.0.113.0/25"}, WindowMS: 5000,
		Sent: []string{"echo-ff02::1", "mld-query", "rs", "dhcpv6-solicit"}}, "")
}

func failedSegment() scanners.Observation {
	return scanners.Failed(scanners.ProbeNDPSegment, scanners.Target{Segment: "off0", Proto: scanners.L2}, at, errors.New("ndpscan: interface \"off0\": no such network interface"))
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
	quiet := seg(&scanners.QuietHost{MAC: "02:00:00:00:00:0a", IPv4: []string{"203.0.113.10"}}, "203.0.113.10")
	host := seg(&scanners.IPv6Host{MAC: "5e:c3:1f:25:fb:69", Addrs: []string{"fe80::5cc3:1fff:fe25:fb69"}, IPv4: []string{"203.0.113.11"}, Via: []string{"echo-reply", "mld-report"}}, "203.0.113.11")
	for _, c := range []struct {
		name string
		p    *checks.Policy
		obs  []scanners.Observation
		want string
	}{
		{"fail", v4only, []scanners.Observation{summary(), host}, "fail:mac 5e:c3:1f:25:fb:69"},
		{"quiet host passes by name", v4only, []scanners.Observation{summary(), host, quiet}, "fail:mac 5e:c3:1f:25:fb:69 pass:mac 02:00:00:00:00:0a"},
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
	return scanners.Observation{Probe: scanners.ProbePortTCP, Target: t, At: at, Status: scanners.OK,
		Data: &scanners.PortState{Proto: scanners.TCP, Port: p, State: state, Reason: "syn-ack", Method: "syn"}}
}

func TestParity(t *testing.T) {
	v4, v6 := "198.51.100.100", "2001:db8:100::100"
	base := []scanners.Observation{port(v4, "ds.lab", 0, "up"), port(v6, "ds.lab", 0, "up"), port(v4, "ds.lab", 80, "open"), port(v6, "ds.lab", 80, "open")}
	down := scanners.Failed(scanners.ProbePortTCP, scanners.Target{Addr: netip.MustParseAddr(v4), Name: "ds.lab", Proto: scanners.TCP}, at, errors.New("no route to host"))
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
	failed := scanners.Failed(scanners.ProbePortTCP, scanners.Target{Addr: netip.MustParseAddr(v6), Proto: scanners.TCP}, at, errors.New("network is unreachable"))
	if got := statuses(run(globalExposure{}, checks.DefaultPolicy(), failed)); got != "error:tcp" {
		t.Errorf("error: %q", got)
	}
}

func TestRogueRANamesTheHost(t *testing.T) {
	ra := seg(&scanners.RouterAdvert{Router: "fe80::2431:73ff:fef8:ce08", MAC: "26:31:73:f8:ce:08", RouterLifetime: 1800, IPv4: []string{"203.0.113.20"}}, "203.0.113.20")
	fs := run(rogueRA{}, checks.DefaultPolicy(), summary(), ra)
	if len(fs) != 1 || fs[0].Status != checks.Fail || fs[0].Target.String() != "203.0.113.20" ||
		!strings.Contains(fs[0].Detail.EN, "IPv4 203.0.113.20") || !strings.Contains(fs[0].Detail.EN, "off0") {
		t.Fatalf("%+v", fs)
	}
}

// Addresses scanned without a name are paired by the neighbour table's
// link-layer address or by one certificate on exactly one address of each
// family, and the finding says which evidence paired them.
func TestParityPairsWithoutNames(t *testing.T) {
	v4, v6 := "203.0.113.20", "2001:db8:200::20"
	scan := []scanners.Observation{port(v4, "", 0, "up"), port(v6, "", 0, "up"), port(v4, "", 80, "open"), port(v6, "", 80, "open"), port(v6, "", 8080, "open")}
	neigh := func(addr, mac string) scanners.Observation {
		return scanners.Observation{Probe: scanners.ProbeNetNeighbor, Target: scanners.Target{Addr: netip.MustParseAddr(addr)}, At: at, Status: scanners.OK,
			Data: &scanners.Neighbor{MAC: mac}}
	}
	cert := func(addr, sum string) scanners.Observation {
		return scanners.Observation{Probe: scanners.ProbeTLSScan, Target: scanners.Target{Addr: netip.MustParseAddr(addr), Port: 443, Proto: scanners.TCP}, At: at, Status: scanners.OK,
			Data: &scanners.TLSScan{Certificate: &scanners.TLSChain{Certs: []scanners.TLSCert{{SHA256: sum}}}}}
	}
	hostkey := func(addr, sum string) scanners.Observation {
		return scanners.Observation{Probe: scanners.ProbeSvcSSHKey, Target: scanners.Target{Addr: netip.MustParseAddr(addr), Port: 22, Proto: scanners.TCP}, At: at, Status: scanners.OK,
			Data: &scanners.SSHHostKey{Type: "ssh-ed25519", SHA256: sum}}
	}
	p := checks.DefaultPolicy()
	for _, c := range []struct {
		name, want, why string
		obs             []scanners.Observation
	}{
		{"same MAC", "fail:tcp/8080", "link-layer address 02:00:00:00:00:20", append(slices.Clone(scan), neigh(v4, "02:00:00:00:00:20"), neigh(v6, "02:00:00:00:00:20"))},
		{"different MACs", "", "", append(slices.Clone(scan), neigh(v4, "02:00:00:00:00:20"), neigh(v6, "02:00:00:00:00:21"))},
		{"same certificate", "fail:tcp/8080", "TLS certificate sha256:aaaa", append(slices.Clone(scan), cert(v4, "aaaa"), cert(v6, "aaaa"))},
		{"same SSH host key", "fail:tcp/8080", "SSH host key SHA256:k1", append(slices.Clone(scan), hostkey(v4, "SHA256:k1"), hostkey(v6, "SHA256:k1"))},
		{"a host key of cloned machines ties nothing", "", "", append(slices.Clone(scan), hostkey(v4, "SHA256:k2"), hostkey(v6, "SHA256:k2"), hostkey("2001:db8:200::21", "SHA256:k2"))},
		{"a certificate on many machines ties nothing", "", "", append(slices.Clone(scan), cert(v4, "bbbb"), cert(v6, "bbbb"), cert("203.0.113.21", "bbbb"))},
	} {
		fs := run(parity{}, p, c.obs...)
		if got := statuses(fs); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
			continue
		}
		if c.why != "" && (!strings.Contains(fs[0].Detail.EN, c.why) || fs[0].Target.String() != v4 || !strings.Contains(fs[0].Evidence[0].Summary, "paired by")) {
			t.Errorf("%s: %+v", c.name, fs[0])
		}
	}
}
