//go:build netlab

package httpscan_test

import (
	"context"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"shindan/checks"
	"shindan/checks/webcheck"
	"shindan/internal/netlab"
	"shindan/scanners"
	"shindan/scanners/httpscan"
)

// scan runs http.site on every endpoint and every web check on the result.
func scan(t *testing.T, ts []scanners.Target) map[string]string {
	t.Helper()
	env := &scanners.Env{IOTimeout: 3 * time.Second}
	var obs []scanners.Observation
	for _, tg := range ts {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		o, err := httpscan.Site{}.Run(ctx, env, tg)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		obs = append(obs, o...)
	}
	in := &checks.Input{Obs: obs, Policy: checks.DefaultPolicy()}
	got := map[string]string{}
	for _, id := range webcheck.IDs() {
		c, _ := checks.Default.Get(id)
		for _, f := range c.Evaluate(in) {
			k := f.Check + " " + f.Target.String() + " " + f.Subject
			got[k] = string(f.Status)
		}
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-70s %s", k, got[k])
	}
	return got
}

func ep(a netip.Addr, port uint16, name string) scanners.Target {
	return scanners.Target{Addr: a, Port: port, Proto: scanners.TCP, Name: name}
}

func want(t *testing.T, got map[string]string, key, status string) {
	t.Helper()
	if got[key] != status {
		t.Errorf("%s: got %q, want %q", key, got[key], status)
	}
}

func TestLabListing(t *testing.T) {
	lab := netlab.Require(t)
	h := lab.Host("weblisting")
	for _, a := range h.Addrs() {
		tg := ep(a, 80, "")
		got := scan(t, []scanners.Target{tg})
		s := tg.String()
		want(t, got, "http.directory-listing "+s+" /", "fail")
		want(t, got, "http.exposed-files "+s+" /.git/HEAD", "fail")
		want(t, got, "http.exposed-files "+s+" /.git/config", "fail")
		want(t, got, "http.exposed-files "+s+" /index.html.bak", "fail")
		want(t, got, "http.info-disclosure "+s+" header:Server", "fail")
		want(t, got, "http.robots "+s+" /robots.txt", "fail")
		want(t, got, "http.https-redirect "+s+" redirect", "warn")
		want(t, got, "http.methods "+s+" ", "pass")
	}
}

func TestLabApache(t *testing.T) {
	lab := netlab.Require(t)
	h := lab.Host("webapache")
	tg := ep(h.IPv4, 80, "")
	got := scan(t, []scanners.Target{tg})
	s := tg.String()
	want(t, got, "http.methods "+s+" TRACE /", "fail")
	want(t, got, "http.methods "+s+" PROPFIND /dav/", "fail")
	found := false
	for k, v := range got {
		if k == "http.methods "+s+" PUT /dav/" && v == "fail" {
			found = true
		}
	}
	if !found {
		t.Error("PUT into /dav/ not found")
	}
	want(t, got, "http.exposed-files "+s+" /server-status", "fail")
	want(t, got, "http.directory-listing "+s+" /files/", "fail")
	want(t, got, "http.info-disclosure "+s+" header:Server", "fail")
	want(t, got, "http.directory-listing "+s+" /", "")
}

func TestLabHardened(t *testing.T) {
	lab := netlab.Require(t)
	h := lab.Host("webhardened")
	var ts []scanners.Target
	for _, a := range h.Addrs() {
		ts = append(ts, ep(a, 80, "www.lab.go.jp"), ep(a, 443, "www.lab.go.jp"))
	}
	got := scan(t, ts)
	if len(got) == 0 {
		t.Fatal("no findings")
	}
	for k, v := range got {
		if v != "pass" && v != "skipped" && !(v == "info" && strings.HasPrefix(k, "http.hosting-org ")) {
			t.Errorf("hardened server: %s is %s", k, v)
		}
	}
}
