//go:build netlab

package svccheck

import (
	"context"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/internal/netlab"
	"shindan/scanners"
	"shindan/scanners/portscan"
)

func reflectorLab(t *testing.T, host netlab.Host, openTCP ...uint16) map[string]checks.Finding {
	t.Helper()
	env := &scanners.Env{IOTimeout: 2 * time.Second, Prior: func(id string, tg scanners.Target) []scanners.Observation {
		var out []scanners.Observation
		for _, p := range openTCP {
			out = append(out, scanners.Observation{Probe: id, Target: tg.Endpoint(scanners.TCP, p), Status: scanners.OK,
				Data: &scanners.PortState{Proto: scanners.TCP, Port: p, State: "open"}})
		}
		return out
	}}
	obs, err := (&portscan.Reflector{Window: time.Second}).Run(context.Background(), env, scanners.Target{Addr: host.IPv4})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]checks.Finding{}
	for _, f := range (reflector{}).Evaluate(&checks.Input{Obs: obs, Policy: checks.DefaultPolicy()}) {
		out[f.Subject] = f
		var ev []string
		for _, e := range f.Evidence {
			ev = append(ev, e.Summary)
		}
		t.Logf("%s %s %s: %s [%s]", host.Name, f.Status, f.Subject, f.Detail.EN, strings.Join(ev, "; "))
	}
	return out
}

// TestLabReflector: the reflector host amplifies SNMP (GetBulk on public)
// and memcached (stats) beyond ×10 and tinyproxy relays to the scanner's
// canary (fail); tinyproxy refuses CONNECT to the canary's port (pass).
// Debian 12's ntpsec answers mode 3 but, in this lab, no mode 6 query and
// it has no mode 7, so NTP shows as silent here.
func TestLabReflector(t *testing.T) {
	lab := netlab.Require(t)
	h, ok := lab.Lookup("reflector")
	if !ok {
		t.Skip("reflector not up")
	}
	v := reflectorLab(t, h, 8888, 11211)
	for _, sub := range []string{"udp/161 snmp-v2c", "udp/11211 memcached", "tcp/8888 http"} {
		if f := v[sub]; f.Status != checks.Fail || len(f.Evidence) == 0 {
			t.Errorf("%s: %s %s", sub, f.Status, f.Detail.EN)
		}
	}
	if f := v["tcp/8888 http-connect"]; f.Status != checks.Pass {
		t.Errorf("CONNECT: %s %s", f.Status, f.Detail.EN)
	}
}

// TestLabReflectorClean: the dualstack host runs only web servers: no UDP
// reflector answers and its web ports do not proxy.
func TestLabReflectorClean(t *testing.T) {
	lab := netlab.Require(t)
	h, ok := lab.Lookup("dualstack")
	if !ok {
		t.Skip("dualstack not up")
	}
	v := reflectorLab(t, h, 80)
	for sub, f := range v {
		if f.Status != checks.Pass {
			t.Errorf("%s: %s %s", sub, f.Status, f.Detail.EN)
		}
	}
	if _, ok := v["udp"]; !ok {
		t.Error("no UDP summary finding")
	}
	if f, ok := v["tcp/80 http"]; !ok || f.Status != checks.Pass {
		t.Errorf("tcp/80 proxy test: %+v", f)
	}
}
