// Package netlab reads the real-server test lab that testdata/lab/lab builds
// in network namespaces, so that tests hold no addresses of their own.
//
// `testdata/lab/lab up` writes $LAB_RUN/hosts.json; Load reads it and
// Require additionally checks that the test process runs inside the lab's
// scanner namespace (the whole test binary is started with
// `ip netns exec sdn-<instance>-scan`, because network namespaces belong to OS
// threads and Go moves goroutines between threads).
package netlab

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Lab mirrors $LAB_RUN/hosts.json.
type Lab struct {
	// Instance is the lab instance (SDN_LAB), one letter or digit.
	Instance string `json:"instance"`
	// RunDir is the runtime directory (LAB_RUN) the lab was loaded from.
	RunDir  string          `json:"run_dir"`
	Scanner Scanner         `json:"scanner"`
	Router  Router          `json:"router"`
	Hosts   map[string]Host `json:"hosts"`
}

// Scanner is the namespace the tests run in.
type Scanner struct {
	NS string `json:"ns"`
	// Ext is the scanner's uplink ("the internet"), interface ext0, with a
	// default route through the router.
	Ext Leg `json:"ext"`
	// Office is the scanner's second leg, directly on the office segment,
	// for layer-2 checks. It has IPv4 only.
	Office Leg `json:"office"`
}

// Leg is one interface of the scanner.
type Leg struct {
	Iface string     `json:"iface"`
	IPv4  netip.Addr `json:"ipv4"`
	// IPv6 is the zero Addr when the leg has no global IPv6 address.
	IPv6 netip.Addr `json:"ipv6"`
}

// Router is the lab's router between the segments.
type Router struct {
	NS     string `json:"ns"`
	Ext    Leg    `json:"ext"`
	DMZ    Leg    `json:"dmz"`
	Office Leg    `json:"office"`
}

// Host is one lab host (a folder under testdata/lab/hosts).
type Host struct {
	// Name is the host's key in Lab.Hosts.
	Name    string     `json:"-"`
	NS      string     `json:"ns"`
	Segment string     `json:"segment"` // "dmz" or "office"
	IPv4    netip.Addr `json:"ipv4"`
	// IPv6 is the zero Addr when the host has no global IPv6 address.
	IPv6 netip.Addr `json:"ipv6"`
	// IPv6Enabled says whether IPv6 is on in the host's namespace at all
	// (always on in the DMZ; an office host may have it on with only a
	// link-local address).
	IPv6Enabled bool `json:"ipv6_enabled"`
	// Ports are the services the host declares, "tcp/22", "udp/11211".
	Ports []string `json:"ports"`
	Role  string   `json:"role"`
}

// Instance returns the lab instance named by SDN_LAB (default "a").
func Instance() string {
	if v := os.Getenv("SDN_LAB"); v != "" {
		return v
	}
	return "a"
}

// RunDir returns the lab's runtime directory: LAB_RUN, default
// /tmp/sdn-lab-<instance>.
func RunDir() string {
	if v := os.Getenv("LAB_RUN"); v != "" {
		return v
	}
	return "/tmp/sdn-lab-" + Instance()
}

// Load reads $LAB_RUN/hosts.json.
func Load() (*Lab, error) {
	return LoadFile(filepath.Join(RunDir(), "hosts.json"))
}

// LoadFile reads and validates one hosts.json.
func LoadFile(path string) (*Lab, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("netlab: %w", err)
	}
	var l Lab
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("netlab: %s: %w", path, err)
	}
	if l.RunDir == "" {
		l.RunDir = filepath.Dir(path)
	}
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("netlab: %s: %w", path, err)
	}
	return &l, nil
}

// validate refuses a lab file a test could not use: every host needs its
// namespace and an IPv4 address, so a half-written lab.json fails here
// with its reason rather than as a connection error deep in a test. It
// also fills each host's Name from its key.
func (l *Lab) validate() error {
	if l.Instance == "" {
		return errors.New("no instance")
	}
	if l.Scanner.NS == "" {
		return errors.New("no scanner namespace")
	}
	if !l.Scanner.Ext.IPv4.Is4() {
		return errors.New("scanner has no ext IPv4 address")
	}
	for name, h := range l.Hosts {
		h.Name = name
		if h.NS == "" {
			return fmt.Errorf("host %s: no namespace", name)
		}
		if !h.IPv4.Is4() {
			return fmt.Errorf("host %s: ipv4 %q is not an IPv4 address", name, h.IPv4)
		}
		if h.IPv6.IsValid() && (!h.IPv6.Is6() || h.IPv6.Is4In6()) {
			return fmt.Errorf("host %s: ipv6 %q is not an IPv6 address", name, h.IPv6)
		}
		for _, p := range h.Ports {
			if _, _, err := ParsePort(p); err != nil {
				return fmt.Errorf("host %s: %w", name, err)
			}
		}
		l.Hosts[name] = h
	}
	return nil
}

// ParsePort splits "tcp/22" into ("tcp", 22).
func ParsePort(s string) (proto string, port uint16, err error) {
	proto, num, ok := strings.Cut(s, "/")
	if !ok || (proto != "tcp" && proto != "udp") {
		return "", 0, fmt.Errorf("bad port %q (want tcp/N or udp/N)", s)
	}
	n, err := strconv.ParseUint(num, 10, 16)
	if err != nil || n == 0 {
		return "", 0, fmt.Errorf("bad port %q (want tcp/N or udp/N)", s)
	}
	return proto, uint16(n), nil
}

// Host returns the named host; the zero Host (empty NS) when the lab has no
// such host.
func (l *Lab) Host(name string) Host {
	return l.Hosts[name]
}

// GuardExcludes are the scan flags that keep the guard host out of a
// lab test's target ranges. Only internal/engine's capture tests may send
// it packets, and lab tests of different packages run at the same time,
// so every other test whose range covers it (198.51.100.25,
// 2001:db8:100::25 in the DMZ) excludes it.
func (l *Lab) GuardExcludes() []string {
	g, ok := l.Lookup("guard")
	if !ok {
		return nil
	}
	var out []string
	for _, a := range g.Addrs() {
		out = append(out, "--exclude", a.String())
	}
	return out
}

// Lookup returns the named host and whether the lab has it.
func (l *Lab) Lookup(name string) (Host, bool) {
	h, ok := l.Hosts[name]
	return h, ok
}

// HostNames returns the names of the hosts that are up, sorted.
func (l *Lab) HostNames() []string {
	names := make([]string, 0, len(l.Hosts))
	for n := range l.Hosts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Addrs returns the host's addresses: IPv4, then IPv6 if it has one.
func (h Host) Addrs() []netip.Addr {
	a := []netip.Addr{h.IPv4}
	if h.IPv6.IsValid() {
		a = append(a, h.IPv6)
	}
	return a
}

// PortsOf returns the host's declared port numbers for proto ("tcp", "udp").
func (h Host) PortsOf(proto string) []uint16 {
	var out []uint16
	for _, s := range h.Ports {
		p, n, err := ParsePort(s)
		if err == nil && p == proto {
			out = append(out, n)
		}
	}
	return out
}

// Serves says whether the host declares the port, e.g. Serves("tcp/22").
func (h Host) Serves(port string) bool {
	for _, p := range h.Ports {
		if p == port {
			return true
		}
	}
	return false
}

// InScannerNS reports whether this process runs in the lab's scanner
// network namespace.
func (l *Lab) InScannerNS() (bool, error) {
	self, err := os.Stat("/proc/self/ns/net")
	if err != nil {
		return false, fmt.Errorf("netlab: %w", err)
	}
	scan, err := os.Stat(filepath.Join("/run/netns", l.Scanner.NS))
	if err != nil {
		return false, fmt.Errorf("netlab: scanner namespace: %w", err)
	}
	return os.SameFile(self, scan), nil
}

// Require returns the lab for a test that needs it, and stops the test when
// the lab is not up or the test does not run inside the scanner namespace:
// a failure when CI or SHINDAN_REQUIRE_LAB is set, a skip otherwise.
func Require(t testing.TB) *Lab {
	t.Helper()
	l, err := Load()
	if err == nil {
		var in bool
		in, err = l.InScannerNS()
		if err == nil && !in {
			err = fmt.Errorf("netlab: this test is not running inside the scanner namespace %s", l.Scanner.NS)
		}
	}
	if err == nil {
		return l
	}
	ns := "sdn-" + Instance() + "-scan"
	msg := fmt.Sprintf("%v\nlab tests run inside the lab: `make test`, or by hand:\n"+
		"  testdata/lab/lab install && testdata/lab/lab up && ip netns exec %s go test -tags netlab ./...; testdata/lab/lab down", err, ns)
	_, require := os.LookupEnv("SHINDAN_REQUIRE_LAB")
	if os.Getenv("CI") != "" || require {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return nil
}
