//go:build netlab

package nucleiproc

import (
	"context"
	"net"
	"testing"
	"time"

	"shindan/checks"
	_ "shindan/checks/vulncheck" // vuln.known
	"shindan/internal/netlab"
	"shindan/scanners"
)

// The lab's web hosts through the child, IPv4 and IPv6: the default login
// of webapache is found, the hardened and listing hosts match nothing, the
// child's traffic leaves only through this process's dialer to the
// endpoint, and vuln.known decides every endpoint (no error).
func TestLabThroughChild(t *testing.T) {
	lab := netlab.Require(t)
	cases := []struct {
		host string
		port uint16
		want string
	}{
		{"webapache", 80, "shindan-default-login-basic"},
		{"weblisting", 80, ""},
		{"webhardened", 443, ""},
	}
	p := &Probe{}
	defer p.Close()
	var all []scanners.Observation
	for _, tc := range cases {
		for _, a := range lab.Host(tc.host).Addrs() {
			tg := scanners.Target{Addr: a, Port: tc.port, Proto: scanners.TCP}
			env := &scanners.Env{IOTimeout: 3 * time.Second, Settings: scanners.Settings{Nuclei: scanners.NucleiSettings{Intrusive: true}},
				Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
					if addr != tg.HostPort() {
						t.Errorf("%s: the child dialed %s", tg, addr)
						return nil, scanners.ErrOutOfScope
					}
					var d net.Dialer
					return d.DialContext(ctx, network, addr)
				}}
			start := time.Now()
			obs, err := p.Run(context.Background(), env, tg)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, o := range obs {
				if o.Status != scanners.OK {
					t.Fatalf("%s: %s %s", tg, o.Status, o.Reason)
				}
				if m := o.Data.(*scanners.NucleiMatch); m.TemplateID != "" {
					ids = append(ids, m.TemplateID)
				}
			}
			t.Logf("%s (%s) in %v: %v", tc.host, tg, time.Since(start).Round(time.Millisecond), ids)
			if (tc.want == "" && len(ids) > 0) || (tc.want != "" && (len(ids) != 1 || ids[0] != tc.want)) {
				t.Errorf("%s %s: matched %v, want %q", tc.host, tg, ids, tc.want)
			}
			all = append(all, obs...)
		}
	}
	c, _ := checks.Default.Get("vuln.known")
	n := map[checks.Status]int{}
	for _, f := range c.Evaluate(&checks.Input{Obs: all, Policy: checks.DefaultPolicy()}) {
		n[f.Status]++
	}
	t.Logf("vuln.known: %v", n)
	if n[checks.Fail] != 2 || n[checks.Pass] != 4 || n[checks.Error] > 0 {
		t.Errorf("vuln.known statuses %v, want 2 fail (webapache v4, v6) and 4 pass", n)
	}
}
