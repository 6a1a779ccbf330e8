//go:build netlab

package smtpscan_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"shindan/checks"
	_ "shindan/checks/mailcheck"
	"shindan/internal/netlab"
	"shindan/scanners"
	"shindan/scanners/smtpscan"
)

// TestLabVerdicts runs smtp.session against the Postfix lab hosts over
// IPv4 and IPv6 and requires the verdict each host was built for.
func TestLabVerdicts(t *testing.T) {
	lab := netlab.Require(t)
	want := map[string]map[uint16]map[string]checks.Status{
		"mailopen": {25: {"smtp.open-relay": checks.Fail, "smtp.starttls": checks.Fail, "smtp.auth": checks.Pass}},
		"maildata": {25: {"smtp.open-relay": checks.Warn, "smtp.starttls": checks.Pass, "smtp.auth": checks.Pass}},
		"mailplain": {
			25:  {"smtp.open-relay": checks.Pass, "smtp.starttls": checks.Fail, "smtp.auth": checks.Fail},
			587: {"smtp.open-relay": checks.Pass, "smtp.auth": checks.Fail},
		},
		"mailgood": {
			25:  {"smtp.open-relay": checks.Pass, "smtp.starttls": checks.Pass, "smtp.auth": checks.Pass},
			587: {"smtp.open-relay": checks.Pass, "smtp.auth": checks.Pass},
			465: {"smtp.open-relay": checks.Pass, "smtp.auth": checks.Pass},
		},
	}
	env := &scanners.Env{IOTimeout: 5 * time.Second,
		Settings: scanners.Settings{}}
	for host, ports := range want {
		h, ok := lab.Lookup(host)
		if !ok {
			t.Errorf("lab host %s is not up", host)
			continue
		}
		for _, addr := range h.Addrs() {
			for port, verdicts := range ports {
				t.Run(host+"/"+netip.AddrPortFrom(addr, port).String(), func(t *testing.T) {
					tg := scanners.Target{Addr: addr, Port: port, Proto: scanners.TCP}
					start := time.Now()
					obs, err := smtpscan.Probe{}.Run(context.Background(), env, tg)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("probe took %v", time.Since(start))
					in := &checks.Input{Obs: obs, Policy: checks.DefaultPolicy()}
					for id, st := range verdicts {
						c, _ := checks.Default.Get(id)
						fs := c.Evaluate(in)
						if len(fs) != 1 || fs[0].Status != st {
							t.Errorf("%s: got %+v, want %s\ntranscript:\n%s", id, fs, st, obs[0].Evidence[0].Data)
							continue
						}
						if len(fs[0].Evidence) == 0 || fs[0].Evidence[0].Data == "" {
							t.Errorf("%s: no transcript evidence", id)
						}
						t.Logf("%s %s: %s", id, st, fs[0].Detail.EN)
					}
				})
			}
		}
	}
}
