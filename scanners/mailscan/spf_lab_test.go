//go:build netlab

package mailscan

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	_ "shindan/checks/mailcheck" // mail.spf
	"shindan/internal/netlab"
	"shindan/scanners"
)

// TestLabSPFCases asks the lab's NSD (mailns, serving spf.test generated
// from rfcCases) about every RFC 7208 case through the full mail.domain
// probe, and requires the class and the mail.spf verdict: none and
// permerror fail, temperror is error (down.test is REFUSED there), a
// record that evaluates is never error.
func TestLabSPFCases(t *testing.T) {
	lab := netlab.Require(t)
	ns, ok := lab.Lookup("mailns")
	if !ok {
		t.Fatal("lab host mailns is not up")
	}
	check, _ := checks.Default.Get("mail.spf")
	env := &scanners.Env{IOTimeout: 2 * time.Second, Settings: scanners.Settings{
		Resolver: netip.AddrPortFrom(ns.IPv4, 53).String(), Mail: scanners.MailSettings{DKIMSelectors: []string{"lab"}}}}
	agree, cases := 0, rfcCases()
	for i, c := range cases {
		dom := fmt.Sprintf("c%d.spf.test", i)
		obs, err := Probe{}.Run(context.Background(), env, scanners.Target{Name: dom})
		if err != nil || len(obs) != 1 {
			t.Fatalf("%s: %v %+v", dom, err, obs)
		}
		md, _ := obs[0].Data.(*scanners.MailDomain)
		if md == nil {
			t.Errorf("§%s %s: no payload: %s", c.spec, c.name, obs[0].Reason)
			continue
		}
		var topErr error
		if e := md.DNSErrors["spf"]; e != "" {
			topErr = fmt.Errorf("%s", e)
		}
		got := spfClass(md.SPF, topErr)
		fs := check.Evaluate(&checks.Input{Obs: obs, Policy: checks.DefaultPolicy()})
		if len(fs) != 1 {
			t.Fatalf("%s: findings %+v", dom, fs)
		}
		st := fs[0].Status
		verdictOK := map[string]bool{"none": st == checks.Fail, "permerror": st == checks.Fail && strings.Contains(fs[0].Detail.EN, "permerror"),
			"temperror": st == checks.Error, "ok": st != checks.Error}[c.want]
		if got != c.want || !verdictOK {
			t.Errorf("§%s %s (%s): class %s, mail.spf %s %q; want %s", c.spec, c.name, dom, got, st, fs[0].Detail.EN, c.want)
			continue
		}
		agree++
	}
	t.Logf("RFC 7208 cases against NSD: %d of %d agree", agree, len(cases))
}
