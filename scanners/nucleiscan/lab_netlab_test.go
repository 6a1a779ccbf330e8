//go:build netlab

package nucleiscan

import (
	"context"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/checks"
	_ "shindan/checks/vulncheck" // vuln.known
	"shindan/internal/netlab"
	"shindan/scanners"
)

func TestLabNuclei(t *testing.T) {
	lab := netlab.Require(t)
	cases := []struct {
		host  string
		port  uint16
		want  []string
		avoid []string
	}{
		// weblisting's .git/config, autoindex and Server version are the
		// built-in checks' (http.exposed-files, http.directory-listing,
		// http.info-disclosure): no curated template re-detects them.
		{"weblisting", 80, nil, []string{"shindan-default-login-basic", "shindan-apache-cve-2021-41773"}},
		{"webapache", 80, []string{"shindan-default-login-basic"}, []string{"shindan-apache-cve-2021-41773"}},
		{"webhardened", 80, nil, nil},
		{"webhardened", 443, nil, nil},
	}
	p := New()
	defer p.Close()
	var mu sync.Mutex
	var all []scanners.Observation
	for _, tc := range cases {
		h := lab.Host(tc.host)
		for _, a := range h.Addrs() {
			tg := scanners.Target{Addr: a, Port: tc.port, Proto: scanners.TCP}
			env := &scanners.Env{IOTimeout: 3 * time.Second, Settings: scanners.Settings{Nuclei: scanners.NucleiSettings{Intrusive: true}},
				Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
					if addr != tg.HostPort() {
						t.Errorf("%s: nuclei dialed %s", tg, addr)
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
			mu.Lock()
			all = append(all, obs...)
			mu.Unlock()
			got := map[string]bool{}
			byID := map[string]*scanners.NucleiMatch{}
			var ids []string
			for _, o := range obs {
				if m := o.Data.(*scanners.NucleiMatch); m.TemplateID != "" {
					got[m.TemplateID] = true
					byID[m.TemplateID] = m
					ids = append(ids, m.TemplateID)
				}
			}
			sort.Strings(ids)
			t.Logf("%s (%s) in %v: %v", tc.host, tg, time.Since(start).Round(time.Millisecond), ids)
			for _, id := range tc.want {
				if !got[id] {
					t.Errorf("%s %s: %s did not match", tc.host, tg, id)
				}
			}
			if m := byID["shindan-default-login-basic"]; m != nil {
				// /admin/ is behind Basic with admin:admin (hosts/webapache/start).
				if !strings.HasSuffix(m.MatchedAt, "/admin/") || len(m.Extracted) != 1 || m.Extracted[0] != "admin:admin" || m.Severity != "high" {
					t.Errorf("%s %s: default login match %+v", tc.host, tg, m)
				}
			}
			for _, id := range tc.avoid {
				if got[id] {
					t.Errorf("%s %s: %s matched (false positive)", tc.host, tg, id)
				}
			}
			if tc.want == nil && len(ids) > 0 {
				t.Errorf("%s %s: hardened host matched %v", tc.host, tg, ids)
			}
		}
	}
	c, _ := checks.Default.Get("vuln.known")
	fs := c.Evaluate(&checks.Input{Obs: all, Policy: checks.DefaultPolicy()})
	n := map[checks.Status]int{}
	for _, f := range fs {
		n[f.Status]++
	}
	t.Logf("vuln.known: %v", n)
	if n[checks.Fail] == 0 || n[checks.Pass] == 0 || n[checks.Error] > 0 {
		t.Errorf("vuln.known statuses %v", n)
	}
}
