package svccheck

import (
	"strings"
	"testing"

	"shindan/checks"
	"shindan/checks/vulnfeed"
	"shindan/scanners"
)

func TestVersion(t *testing.T) {
	feed, err := vulnfeed.Load("../vulnfeed/testdata")
	if err != nil {
		t.Fatal(err)
	}
	withFeed := checks.DefaultPolicy()
	withFeed.VulnFeed = feed
	obs := []scanners.Observation{
		svc(legacy, 22, scanners.Service{Name: "ssh", Product: "OpenSSH", Version: "9.2p1", CPE: "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"}),
		svc(legacy, 80, scanners.Service{Name: "http", Product: "nginx", CPE: "cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*"}),
		svc(legacy, 6379, scanners.Service{Name: "redis", Product: "Redis", Version: "7.0.15", CPE: "cpe:2.3:a:redis:redis:7.0.15:*:*:*:*:*:*:*"}),
		svc(clean, 8000, scanners.Service{Name: "http"}),
		failed(scanners.ProbeSvcIdent, clean, 9999, scanners.Timeout),
	}
	tests := []struct {
		name string
		pol  *checks.Policy
		want []verdict
	}{
		{"feed: the vulnerable OpenSSH fails critical, the rest is inventory", withFeed, []verdict{
			{"198.51.100.10:22", "tcp/22", checks.Fail, checks.Critical},
			{"198.51.100.10:80", "tcp/80", checks.InfoS, checks.None},
			{"198.51.100.10:6379", "tcp/6379", checks.InfoS, checks.None},
			{"198.51.100.20:8000", "tcp/8000", checks.InfoS, checks.None},
			{"198.51.100.20:9999", "tcp/9999", checks.Error, checks.None},
		}},
		{"no feed: inventory only, never a pass", checks.DefaultPolicy(), []verdict{
			{"198.51.100.10:22", "tcp/22", checks.InfoS, checks.None},
			{"198.51.100.10:80", "tcp/80", checks.InfoS, checks.None},
			{"198.51.100.10:6379", "tcp/6379", checks.InfoS, checks.None},
			{"198.51.100.20:8000", "tcp/8000", checks.InfoS, checks.None},
			{"198.51.100.20:9999", "tcp/9999", checks.Error, checks.None},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			same(t, run(t, version{}, tc.pol, obs...), tc.want)
		})
	}
	fs := version{}.Evaluate(&checks.Input{Obs: obs, Policy: withFeed, Now: at})
	if !strings.Contains(fs[0].Detail.EN, "CVE-2099-0001") || !strings.Contains(fs[0].Detail.JA, "CVE-2099-0001") {
		t.Errorf("fail does not name the CVE: %+v", fs[0].Detail)
	}
	if len(fs[0].Evidence) < 2 || !strings.Contains(fs[0].Evidence[len(fs[0].Evidence)-1].Summary, "CVSS 9.8") {
		t.Errorf("fail evidence lacks the feed entry: %+v", fs[0].Evidence)
	}
	if !strings.Contains(fs[2].Detail.EN, "no entry of the vulnerability feed") {
		t.Errorf("compared version should say so: %q", fs[2].Detail.EN)
	}
	if !strings.Contains(fs[1].Detail.EN, "not disclosed") {
		t.Errorf("a hidden version should say so: %q", fs[1].Detail.EN)
	}
}
