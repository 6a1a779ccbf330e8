//go:build netlab

package mailscan_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"shindan/checks"
	_ "shindan/checks/mailcheck"
	"shindan/internal/netlab"
	"shindan/scanners"
	"shindan/scanners/mailscan"
)

// TestLabDomains resolves the lab's mail zones through the mailns NSD and
// requires the verdict each zone was built for.
func TestLabDomains(t *testing.T) {
	lab := netlab.Require(t)
	ns, ok := lab.Lookup("mailns")
	if !ok {
		t.Fatal("lab host mailns is not up")
	}
	want := map[string]map[string]checks.Status{
		"good.test":   {"mail.spf": checks.Pass, "mail.dmarc": checks.Pass, "mail.dkim": checks.Pass, "mail.mta-sts": checks.InfoS},
		"none.test":   {"mail.spf": checks.Fail, "mail.dmarc": checks.Fail, "mail.dkim": checks.InfoS},
		"broken.test": {"mail.spf": checks.Fail, "mail.dmarc": checks.Fail, "mail.dkim": checks.Fail},
		"lax.test":    {"mail.spf": checks.Fail, "mail.dmarc": checks.Warn},
		"loop.test":   {"mail.spf": checks.Fail},
	}
	for _, addr := range ns.Addrs() {
		env := &scanners.Env{IOTimeout: 3 * time.Second, Settings: scanners.Settings{
			Resolver: netip.AddrPortFrom(addr, 53).String(), Mail: scanners.MailSettings{DKIMSelectors: []string{"lab"}}}}
		for dom, verdicts := range want {
			t.Run(dom+"@"+addr.String(), func(t *testing.T) {
				obs, err := mailscan.Probe{}.Run(context.Background(), env, scanners.Target{Name: dom})
				if err != nil {
					t.Fatal(err)
				}
				in := &checks.Input{Obs: obs, Policy: checks.DefaultPolicy()}
				for id, st := range verdicts {
					c, _ := checks.Default.Get(id)
					fs := c.Evaluate(in)
					if len(fs) != 1 || fs[0].Status != st {
						t.Errorf("%s: got %+v, want %s\nevidence:\n%s", id, fs, st, obs[0].Evidence[0].Data)
						continue
					}
					t.Logf("%s %s: %s", id, st, fs[0].Detail.EN)
				}
			})
		}
	}
}
