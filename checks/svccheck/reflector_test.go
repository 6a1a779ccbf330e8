package svccheck

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/scanners"
)

func reflObs(port uint16, proto scanners.Proto, d scanners.Payload) scanners.Observation {
	t := scanners.Target{Addr: netip.MustParseAddr("198.51.100.101"), Proto: proto, Port: port}
	return scanners.Observation{Probe: scanners.ProbeSvcReflector, Target: t, At: time.Unix(0, 0), Status: scanners.OK, Data: d,
		Evidence: []scanners.Evidence{{Kind: "packet", Summary: "exchange"}}}
}

func reflVerdicts(t *testing.T, p *checks.Policy, obs ...scanners.Observation) string {
	t.Helper()
	var s []string
	for _, f := range (reflector{}).Evaluate(&checks.Input{Obs: obs, Policy: p}) {
		if f.Detail.JA == "" || f.Detail.EN == "" {
			t.Fatalf("finding without bilingual detail: %+v", f)
		}
		s = append(s, string(f.Status)+":"+f.Subject)
	}
	return strings.Join(s, " ")
}

func TestReflector(t *testing.T) {
	p := checks.DefaultPolicy()
	ntp := reflObs(123, scanners.UDP, &scanners.Reflector{Port: 123, Protocol: "ntp-mode6", RequestBytes: 12, ResponseBytes: 468, Packets: 1, Factor: 39})
	dns := reflObs(53, scanners.UDP, &scanners.Reflector{Port: 53, Protocol: "dns", RequestBytes: 28, ResponseBytes: 60, Packets: 1, Factor: 60.0 / 28})
	silent := reflObs(0, scanners.UDP, &scanners.Reflector{Silent: []string{"chargen", "qotd"}})
	open := reflObs(8888, scanners.TCP, &scanners.Proxy{Port: 8888, Method: "http", Open: true, Relayed: true, Target: "http://203.0.113.130:4000/x", Answer: "HTTP/1.0 200 OK"})
	refused := reflObs(8888, scanners.TCP, &scanners.Proxy{Port: 8888, Method: "http-connect", Answer: "HTTP/1.0 403 Filtered"})
	broken := scanners.Failed(scanners.ProbeSvcReflector, scanners.Target{Addr: netip.MustParseAddr("198.51.100.101"), Proto: scanners.TCP, Port: 3128}, time.Unix(0, 0), errors.New("read: i/o timeout"))
	broken.Status = scanners.Timeout
	broken.Data = &scanners.Proxy{Port: 3128, Method: "http"}

	for _, c := range []struct {
		name string
		p    *checks.Policy
		obs  []scanners.Observation
		want string
	}{
		{"amplifier", p, []scanners.Observation{ntp}, "fail:udp/123 ntp-mode6"},
		{"small answer", p, []scanners.Observation{dns, silent}, "pass:udp/53 dns pass:udp"},
		{"threshold from policy", &checks.Policy{AmplificationMax: 50}, []scanners.Observation{ntp}, "pass:udp/123 ntp-mode6"},
		{"open proxy", p, []scanners.Observation{open, refused}, "fail:tcp/8888 http pass:tcp/8888 http-connect"},
		{"undecided", p, []scanners.Observation{broken}, "error:tcp/3128 http"},
	} {
		if got := reflVerdicts(t, c.p, c.obs...); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
