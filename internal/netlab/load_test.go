package netlab

import (
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sampleHostsJSON = `{
  "instance": "z",
  "run_dir": "/tmp/sdn-lab-z",
  "scanner": {"ns": "sdn-z-scan", "ext": {"iface": "ext0", "ipv4": "203.0.113.130", "ipv6": "2001:db8:ff::2"}, "office": {"iface": "off0", "ipv4": "203.0.113.2"}},
  "router": {"ns": "sdn-z-rtr", "ext": {"ipv4": "203.0.113.129", "ipv6": "2001:db8:ff::1"}, "dmz": {"ipv4": "198.51.100.1", "ipv6": "2001:db8:100::1"}, "office": {"ipv4": "203.0.113.1"}},
  "hosts": {
    "clean": {"ns": "sdn-z-clean", "segment": "dmz", "ipv4": "198.51.100.20", "ipv6": "2001:db8:100::20", "ipv6_enabled": true, "ports": ["tcp/22"], "role": "only \"ssh\""},
    "printer": {"ns": "sdn-z-printer", "segment": "office", "ipv4": "203.0.113.40", "ipv6_enabled": false, "ports": ["tcp/9100", "udp/161"], "role": "office printer"}
  }
}
`

func writeLab(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hosts.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoad(t *testing.T) {
	dir := writeLab(t, sampleHostsJSON)
	t.Setenv("LAB_RUN", dir)
	l, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if l.Instance != "z" || l.Scanner.NS != "sdn-z-scan" || l.Router.NS != "sdn-z-rtr" {
		t.Errorf("instance/namespaces: %+v", l)
	}
	if got, want := l.Scanner.Ext.IPv6, netip.MustParseAddr("2001:db8:ff::2"); got != want {
		t.Errorf("scanner ext ipv6 = %v, want %v", got, want)
	}
	if l.Scanner.Office.Iface != "off0" || l.Scanner.Office.IPv4 != netip.MustParseAddr("203.0.113.2") || l.Scanner.Office.IPv6.IsValid() {
		t.Errorf("scanner office leg = %+v", l.Scanner.Office)
	}
	if got, want := l.HostNames(), []string{"clean", "printer"}; !reflect.DeepEqual(got, want) {
		t.Errorf("HostNames() = %v, want %v", got, want)
	}

	c := l.Host("clean")
	if c.Name != "clean" || c.NS != "sdn-z-clean" || c.Segment != "dmz" || !c.IPv6Enabled {
		t.Errorf("clean = %+v", c)
	}
	if c.IPv4 != netip.MustParseAddr("198.51.100.20") || c.IPv6 != netip.MustParseAddr("2001:db8:100::20") {
		t.Errorf("clean addresses = %v %v", c.IPv4, c.IPv6)
	}
	if c.Role != `only "ssh"` {
		t.Errorf("clean role = %q", c.Role)
	}
	if !c.Serves("tcp/22") || c.Serves("tcp/23") {
		t.Errorf("clean Serves wrong: %v", c.Ports)
	}
	if got := c.Addrs(); len(got) != 2 {
		t.Errorf("clean Addrs() = %v", got)
	}

	p, ok := l.Lookup("printer")
	if !ok || p.IPv6.IsValid() || p.IPv6Enabled {
		t.Errorf("printer = %+v, %v", p, ok)
	}
	if got := p.Addrs(); len(got) != 1 || got[0] != netip.MustParseAddr("203.0.113.40") {
		t.Errorf("printer Addrs() = %v", got)
	}
	if got := p.PortsOf("udp"); !reflect.DeepEqual(got, []uint16{161}) {
		t.Errorf("printer PortsOf(udp) = %v", got)
	}
	if got := p.PortsOf("tcp"); !reflect.DeepEqual(got, []uint16{9100}) {
		t.Errorf("printer PortsOf(tcp) = %v", got)
	}

	if h := l.Host("nosuch"); h.NS != "" {
		t.Errorf("Host(nosuch) = %+v, want zero", h)
	}
	if _, ok := l.Lookup("nosuch"); ok {
		t.Error("Lookup(nosuch) found a host")
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Setenv("LAB_RUN", "")
	t.Setenv("SDN_LAB", "")
	if got := RunDir(); got != "/tmp/sdn-lab-a" {
		t.Errorf("RunDir() = %q", got)
	}
	t.Setenv("SDN_LAB", "b")
	if got := RunDir(); got != "/tmp/sdn-lab-b" {
		t.Errorf("RunDir() with SDN_LAB=b = %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Setenv("LAB_RUN", t.TempDir())
	if _, err := Load(); err == nil || !strings.HasPrefix(err.Error(), "netlab: ") {
		t.Errorf("Load() without hosts.json: err = %v", err)
	}
	for name, body := range map[string]string{
		"syntax":      `{"instance":`,
		"ipv6 as v4":  strings.Replace(sampleHostsJSON, `"ipv4": "198.51.100.20"`, `"ipv4": "2001:db8::1"`, 1),
		"missing v4":  strings.Replace(sampleHostsJSON, `"ipv4": "198.51.100.20", `, ``, 1),
		"bad address": strings.Replace(sampleHostsJSON, `"ipv4": "198.51.100.20"`, `"ipv4": "198.51.100.300"`, 1),
		"bad port":    strings.Replace(sampleHostsJSON, `"tcp/22"`, `"sctp/22"`, 1),
		"port zero":   strings.Replace(sampleHostsJSON, `"tcp/22"`, `"tcp/0"`, 1),
		"no scanner":  strings.Replace(sampleHostsJSON, `"ns": "sdn-z-scan"`, `"ns": ""`, 1),
	} {
		if _, err := LoadFile(filepath.Join(writeLab(t, body), "hosts.json")); err == nil {
			t.Errorf("%s: LoadFile accepted it", name)
		}
	}
}

func TestRequireSkipsOutsideLab(t *testing.T) {
	if os.Getenv("CI") != "" {
		t.Skip("Require fails instead of skipping under CI")
	}
	if _, ok := os.LookupEnv("SHINDAN_REQUIRE_LAB"); ok {
		t.Skip("Require fails instead of skipping with SHINDAN_REQUIRE_LAB")
	}
	t.Setenv("LAB_RUN", t.TempDir()) // no hosts.json there
	ran := false
	t.Run("inner", func(t *testing.T) {
		Require(t)
		ran = true
	})
	if ran {
		t.Error("Require returned without a lab")
	}
}
