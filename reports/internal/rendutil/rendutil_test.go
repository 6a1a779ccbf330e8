package rendutil

import (
	"slices"
	"strings"
	"testing"
	"time"

	"shindan/reports"
)

func TestCompareArticles(t *testing.T) {
	in := []string{"61-1-1", "x-1", "59-4", "44の2-1", "100", "29-1", "16-4-2", "59-1", "44-2", "44", "59", "9-1", "44の10", "44の2"}
	want := []string{"9-1", "16-4-2", "29-1", "44", "44-2", "44の2", "44の2-1", "44の10", "59", "59-1", "59-4", "61-1-1", "100", "x-1"}
	slices.SortFunc(in, CompareArticles)
	if !slices.Equal(in, want) {
		t.Errorf("got  %q\nwant %q", in, want)
	}
	for _, bad := range []string{"", "の2", "44の", "44-", "-1", "+4", "44--1", "44の+2"} {
		if _, ok := articleKey(bad); ok {
			t.Errorf("%q parsed as an article", bad)
		}
	}
}

func TestVerdict(t *testing.T) {
	cases := map[string]reports.Counts{
		"fail":    {Pass: 3, Fail: 1, Warn: 1, Error: 1},
		"warn":    {Pass: 3, Warn: 1, Error: 1},
		"error":   {Pass: 3, Error: 1, Info: 2},
		"pass":    {Pass: 1, Info: 1, Skipped: 1},
		"info":    {Info: 1, Skipped: 1},
		"skipped": {Skipped: 1},
	}
	for want, c := range cases {
		if got := Verdict(c); got != want {
			t.Errorf("Verdict(%+v) = %s, want %s", c, got, want)
		}
	}
}

func TestCloneDoesNotAlias(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &reports.Report{
		Scan:     reports.Scan{Targets: []string{"b", "a"}, Stats: &reports.Stats{HostsAlive: 1}},
		Assets:   []reports.Asset{{Host: "198.51.100.2", Services: []reports.Service{{Port: 2}, {Port: 1}}}, {Host: "198.51.100.1"}},
		Findings: []reports.Finding{{ID: "1", Status: "pass", Articles: []string{"1"}, Title: &reports.Text{EN: "t"}, ObservedAt: &now, Waiver: &reports.Waiver{Until: "2025-01-01"}}, {ID: "2", Status: "fail", Articles: []string{"2"}}},
	}
	c := Prepare(r)
	c.Scan.Targets[0] = "x"
	c.Scan.Stats.HostsAlive = 9
	c.Findings[1].Title.EN = "changed"
	c.Findings[1].Articles[0] = "9"
	c.Findings[1].Waiver.Until = "x"
	c.Findings[1].ObservedAt = nil
	if r.Scan.Targets[0] != "b" || r.Scan.Stats.HostsAlive != 1 || r.Findings[0].Title.EN != "t" ||
		r.Findings[0].Articles[0] != "1" || r.Findings[0].Waiver.Until != "2025-01-01" || r.Findings[0].ObservedAt == nil {
		t.Error("the copy shares memory with the original")
	}
	if r.Assets[0].Host != "198.51.100.2" || r.Assets[0].Services[0].Port != 2 || r.Summary != nil {
		t.Error("Prepare sorted or summarised the original")
	}
	if c.Findings[0].ID != "2" || c.Summary["2"].Fail != 1 {
		t.Error("the copy is not normalised")
	}
	if e := Prepare(nil); e.Findings == nil {
		t.Error("nil report gives nil findings")
	}
}

// TestCountedLabels: an English label that counts a noun agrees with a
// count of one, and Japanese says the same for every count.
func TestCountedLabels(t *testing.T) {
	for key, want := range map[string][2]string{
		"count.findings": {"1 finding", "2 findings"},
		"index.quiet":    {"1 pass, info or skipped", "2 passes, info and skipped"},
		"md.cut":         {"1 more byte left out", "2 more bytes left out"},
		"print.cut":      {"(1 more line in", "(2 more lines in"},
		"print.quiet":    {"1 pass, info or skipped", "2 passes, info and skipped"},
	} {
		if got := Lf("en", key, 1); !strings.HasPrefix(got, want[0]) {
			t.Errorf("Lf(en, %s, 1) = %q, want %q...", key, got, want[0])
		}
		if got := Lf("en", key, 2); !strings.HasPrefix(got, want[1]) {
			t.Errorf("Lf(en, %s, 2) = %q, want %q...", key, got, want[1])
		}
		if Lf("ja", key, 1) != strings.Replace(Lf("ja", key, 2), "2", "1", 1) {
			t.Errorf("%s: Japanese differs between 1 and 2: %q / %q", key, Lf("ja", key, 1), Lf("ja", key, 2))
		}
	}
	one := &reports.Stats{HostsAlive: 1, PortsOpen: 1, ProbesSent: 1, DurationMS: 1}
	if got := StatsLine("en", one); got != "1 host alive / 1 port open / 1 probe sent / took 1 ms" {
		t.Errorf("StatsLine(en, ones) = %q", got)
	}
	if got := StatsLine("en", &reports.Stats{HostsAlive: 3, PortsOpen: 0, ProbesSent: 20, DurationMS: 5}); got != "3 hosts alive / 0 ports open / 20 probes sent / took 5 ms" {
		t.Errorf("StatsLine(en) = %q", got)
	}
	if got := StatsLine("ja", one); got != "稼働ホスト 1 / 開放ポート 1 / 送信プローブ 1 / 所要時間 1 ms" {
		t.Errorf("StatsLine(ja) = %q", got)
	}
}

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		ms     int64
		ja, en string
	}{{0, "0 ms", "0 ms"}, {999, "999 ms", "999 ms"}, {1000, "1秒", "1 s"}, {754500, "12分35秒", "12 min 35 s"},
		{3600000, "1時間", "1 h"}, {3723000, "1時間2分3秒", "1 h 2 min 3 s"}, {60000, "1分", "1 min"}} {
		if got := Duration("ja", c.ms); got != c.ja {
			t.Errorf("Duration(ja, %d) = %q, want %q", c.ms, got, c.ja)
		}
		if got := Duration("en", c.ms); got != c.en {
			t.Errorf("Duration(en, %d) = %q, want %q", c.ms, got, c.en)
		}
	}
	if Source("ja", "builtin") != "shindan の検査" || Source("en", "nuclei:CVE-2099-0001") != "nuclei template CVE-2099-0001" || Source("en", "other") != "other" {
		t.Error("Source labels")
	}
	if EvidenceKind("ja", "transcript") != "通信記録" || EvidenceKind("ja", "weird") != "weird" || Recorded("ja", "x") != "「x」" || Recorded("en", "x") != "x" {
		t.Error("evidence kind or recorded text labels")
	}
}
