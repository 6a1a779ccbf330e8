package rendutil

import (
	"slices"
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
