//go:build netlab

package ipv6check

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/checks"
	"shindan/internal/netlab"
	"shindan/scanners"
	"shindan/scanners/ndpscan"
	"shindan/scanners/portscan"
)

func sweep(t *testing.T, s scanners.Sweeper, ts ...scanners.Target) []scanners.Observation {
	t.Helper()
	var mu sync.Mutex
	var obs []scanners.Observation
	if err := s.Sweep(context.Background(), &scanners.Env{IOTimeout: 2 * time.Second}, slices.Values(ts), func(o scanners.Observation) {
		mu.Lock()
		obs = append(obs, o)
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	return obs
}

func labVerdicts(t *testing.T, p *checks.Policy, obs []scanners.Observation, cs ...checks.Check) map[string]checks.Finding {
	t.Helper()
	out := map[string]checks.Finding{}
	for _, c := range cs {
		for _, f := range c.Evaluate(&checks.Input{Obs: obs, Policy: p, Now: time.Now()}) {
			out[f.Check+" "+f.Subject] = f
			var ev []string
			for _, e := range f.Evidence {
				ev = append(ev, e.Summary)
			}
			t.Logf("%s %s %s: %s [%s]", f.Status, f.Check, f.Subject, f.Detail.EN, strings.Join(ev, "; "))
		}
	}
	return out
}

// macOf finds the MAC the segment sweep saw for an IPv4 address.
func macOf(obs []scanners.Observation, a netip.Addr) string {
	for _, o := range obs {
		if h, ok := o.Data.(*scanners.IPv6Host); ok && slices.Contains(h.IPv4, a.String()) {
			return h.MAC
		}
	}
	return ""
}

// TestLabOfficeSegment: the office segment, declared IPv4-only. v6on and
// radvd speak IPv6 (fail), radvd's RA is rogue (fail), v6on's ISATAP
// queries are a transition mechanism (fail), and v6off, which answers ARP
// but sends no IPv6, passes by name (the matrix has evidence for it).
func TestLabOfficeSegment(t *testing.T) {
	lab := netlab.Require(t)
	for _, h := range []string{"v6off", "v6on", "radvd"} {
		if _, ok := lab.Lookup(h); !ok {
			t.Skipf("%s not up", h)
		}
	}
	obs := sweep(t, &ndpscan.Segment{Window: 4 * time.Second}, scanners.Target{Segment: lab.Scanner.Office.Iface})
	p, err := checks.ParsePolicy("lab.yaml", []byte("version: 1\nipv4_only_segments: [203.0.113.0/25]\n"))
	if err != nil {
		t.Fatal(err)
	}
	v := labVerdicts(t, p, obs, unintended{}, rogueRA{}, transition{})
	v6on, radvd, v6off := lab.Host("v6on"), lab.Host("radvd"), lab.Host("v6off")
	for _, h := range []netlab.Host{v6on, radvd} {
		mac := macOf(obs, h.IPv4)
		if mac == "" {
			t.Fatalf("%s (%s) not seen speaking IPv6", h.Name, h.IPv4)
		}
		if f := v["ipv6.unintended mac "+mac]; f.Status != checks.Fail || len(f.Evidence) == 0 {
			t.Errorf("ipv6.unintended for %s: %+v", h.Name, f)
		}
	}
	if macOf(obs, v6off.IPv4) != "" {
		t.Errorf("v6off (%s) reported as speaking IPv6", v6off.IPv4)
	}
	quiet := ""
	for _, o := range obs {
		if q, ok := o.Data.(*scanners.QuietHost); ok && slices.Contains(q.IPv4, v6off.IPv4.String()) {
			quiet = q.MAC
		}
	}
	if f := v["ipv6.unintended mac "+quiet]; quiet == "" || f.Status != checks.Pass || f.Target.Addr != v6off.IPv4 {
		t.Errorf("v6off must pass by name: mac %q, %+v", quiet, f)
	}
	var rogue, isatap bool
	for k, f := range v {
		if strings.HasPrefix(k, "ipv6.rogue-ra router fe80:") && f.Status == checks.Fail && strings.Contains(f.Detail.EN, "2001:db8:bad::/64") {
			rogue = true
		}
		if k == "ipv6.transition isatap "+v6on.IPv4.String() && f.Status == checks.Fail {
			isatap = true
		}
		if f.Status == checks.Error || f.Status == checks.Pass && !(f.Check == "ipv6.unintended" && strings.HasPrefix(f.Subject, "mac ")) {
			t.Errorf("unexpected %s for %s", f.Status, k)
		}
	}
	if !rogue || !isatap {
		t.Errorf("rogue RA found %v, ISATAP found %v", rogue, isatap)
	}

	// The same capture with radvd declared as the segment's router and the
	// segment not declared IPv4-only: the RA passes, unintended is skipped.
	var router string
	for _, o := range obs {
		if ra, ok := o.Data.(*scanners.RouterAdvert); ok {
			router = ra.Router
		}
	}
	allowed, _ := checks.ParsePolicy("lab.yaml", []byte("version: 1\nallowed_routers: [\""+router+"\"]\n"))
	v = labVerdicts(t, allowed, obs, rogueRA{}, unintended{})
	if f := v["ipv6.rogue-ra router "+router]; f.Status != checks.Pass {
		t.Errorf("allowed router: %+v", f)
	}
	if f := v["ipv6.unintended segment"]; f.Status != checks.Skipped {
		t.Errorf("undeclared segment: %+v", f)
	}
}

// TestLabParity: the dualstack host drops tcp/8080 on IPv4 only (fail
// tcp/8080); the reflector host serves the same ports on both (pass).
// Both are global IPv6 exposures (info).
func TestLabParity(t *testing.T) {
	lab := netlab.Require(t)
	ds, ok1 := lab.Lookup("dualstack")
	rf, ok2 := lab.Lookup("reflector")
	if !ok1 || !ok2 {
		t.Skip("dualstack and reflector not up")
	}
	ports := make([]uint16, 0, 10000)
	for p := 1; p <= 10000; p++ {
		ports = append(ports, uint16(p))
	}
	ports = append(ports, 11211)
	obs := sweep(t, &portscan.SYN{Ports: ports, EmitClosed: false, Wait: 300 * time.Millisecond},
		scanners.Target{Addr: ds.IPv4, Name: "dualstack.lab"}, scanners.Target{Addr: ds.IPv6, Name: "dualstack.lab"},
		scanners.Target{Addr: rf.IPv4, Name: "reflector.lab"}, scanners.Target{Addr: rf.IPv6, Name: "reflector.lab"})
	v := labVerdicts(t, checks.DefaultPolicy(), obs, parity{}, globalExposure{})
	if f := v["ipv6.parity tcp/8080"]; f.Status != checks.Fail || f.Target.Name != "dualstack.lab" || len(f.Evidence) != 3 ||
		!strings.Contains(f.Evidence[0].Summary, "paired by DNS name dualstack.lab") {
		t.Errorf("dualstack tcp/8080: %+v", f)
	}
	var pass []string
	for k, f := range v {
		if f.Check == "ipv6.parity" && f.Status == checks.Pass {
			pass = append(pass, f.Target.Name+" "+k)
		}
	}
	if !slices.Equal(pass, []string{"reflector.lab ipv6.parity tcp"}) {
		t.Errorf("parity passes: %v", pass)
	}
	if f := v["ipv6.global-exposure inventory"]; f.Status != checks.InfoS {
		t.Errorf("global exposure: %+v", f)
	}
}
