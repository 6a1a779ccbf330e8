package reports

import (
	"os"
	"strings"
	"testing"
)

func TestNormalizeOrder(t *testing.T) {
	r := &Report{
		Assets: []Asset{
			{Host: "198.51.100.10"}, {Host: "2001:db8::1"}, {Host: "198.51.100.9", Services: []Service{
				{Port: 443, Proto: "tcp"}, {Port: 53, Proto: "udp"}, {Port: 22, Proto: "tcp"}}},
			{Host: "www.example"},
		},
		Findings: []Finding{
			{ID: "a", Check: "z", Status: "pass", Articles: []string{"59-1"}},
			{ID: "b", Check: "a", Status: "error", Articles: []string{"59-1"}},
			{ID: "c", Check: "b", Status: "fail", Severity: "low", Articles: []string{"59-1"}},
			{ID: "d", Check: "c", Status: "fail", Severity: "critical", Articles: []string{"59-1", "38"}},
			{ID: "e", Check: "a", Status: "warn", Severity: "high", Articles: []string{"38"}},
			{ID: "f", Check: "a", Status: "skipped", Articles: []string{"79"}},
			{ID: "g", Check: "a", Status: "info", Articles: []string{"79"}},
		},
	}
	r.Normalize()
	var hosts []string
	for _, a := range r.Assets {
		hosts = append(hosts, a.Host)
	}
	// 198.51.100.9 before .10: numeric, not string order.
	if got := strings.Join(hosts, " "); got != "198.51.100.9 198.51.100.10 2001:db8::1 www.example" {
		t.Errorf("asset order %q", got)
	}
	svc := r.Assets[0].Services
	if svc[0].Port != 22 || svc[1].Port != 443 || svc[2].Proto != "udp" {
		t.Errorf("service order %+v", svc)
	}
	var ids string
	for _, f := range r.Findings {
		ids += f.ID
	}
	if ids != "dceb"+"gaf" {
		t.Errorf("finding order %q, want fail(critical, low), warn, error, info, pass, skipped", ids)
	}
	want := map[string]Counts{
		"59-1": {Pass: 1, Fail: 2, Error: 1, Worst: "critical"},
		"38":   {Fail: 1, Warn: 1, Worst: "critical"},
		"79":   {Info: 1, Skipped: 1},
	}
	if len(r.Summary) != len(want) {
		t.Fatalf("summary %+v", r.Summary)
	}
	for k, v := range want {
		if r.Summary[k] != v {
			t.Errorf("summary[%s] = %+v, want %+v", k, r.Summary[k], v)
		}
	}
}

func TestSummarizeWorstIgnoresPassSeverity(t *testing.T) {
	// A pass carrying a stale severity must not make the article look bad.
	s := Summarize([]Finding{
		{Status: "pass", Severity: "critical", Articles: []string{"61-1-1"}},
		{Status: "warn", Severity: "low", Articles: []string{"61-1-1"}},
	})
	if c := s["61-1-1"]; c.Worst != "low" || c.Pass != 1 || c.Warn != 1 {
		t.Errorf("got %+v", c)
	}
}

const goodReport = `{
  "schema_version": "1",
  "tool": {"name": "shindan", "version": "1"},
  "scan": {"id": "s1", "started_at": "2025-01-01T00:00:00Z", "finished_at": "2025-01-01T00:01:00Z", "targets": ["198.51.100.1"], "complete": true},
  "findings": [
    {"id": "x", "check": "smtp.open-relay", "articles": ["59-1"], "target": "198.51.100.1:25", "status": "fail", "severity": "high"}
  ]
}
`

func TestDecodeGood(t *testing.T) {
	r, err := Decode([]byte(goodReport))
	if err != nil {
		t.Fatal(err)
	}
	if r.Findings[0].Check != "smtp.open-relay" || !r.Scan.Complete {
		t.Errorf("decoded %+v", r)
	}
	if _, err := Decode([]byte(goodReport + "\n\n")); err != nil {
		t.Errorf("trailing whitespace rejected: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := []struct {
		name, from, to string
		want           []string // substrings of the error
	}{
		{"syntax", `"version": "1"}`, `"version": "1",}`, []string{"line 3", "invalid character"}},
		{"type", `"complete": true`, `"complete": "yes"`, []string{"line 4", "scan.complete"}},
		{"unknown field", `"targets"`, `"tagrets"`, []string{"line 4", `unknown field "tagrets"`}},
		{"bad time", `"started_at": "2025-01-01T00:00:00Z"`, `"started_at": "yesterday"`, []string{"line 4", "yesterday"}},
		{"truncated", "\n  ]\n}\n", "\n", []string{"line 7", "truncated"}},
		{"trailing data", "]\n}\n", "]\n}\n{}\n", []string{"line 9", "data after the report"}},
		{"schema version", `"schema_version": "1"`, `"schema_version": "2"`, []string{`schema_version "2"`}},
		{"no tool name", `"name": "shindan"`, `"name": ""`, []string{"tool.name"}},
		{"no findings", "\"findings\": [\n    {\"id\": \"x\", \"check\": \"smtp.open-relay\", \"articles\": [\"59-1\"], \"target\": \"198.51.100.1:25\", \"status\": \"fail\", \"severity\": \"high\"}\n  ]", `"findings": null`, []string{"findings are required"}},
		{"bad status", `"status": "fail"`, `"status": "bad"`, []string{"findings[0]", "valid status"}},
		{"no articles", `"articles": ["59-1"]`, `"articles": []`, []string{"findings[0]", "articles"}},
		{"no target", `"target": "198.51.100.1:25"`, `"target": ""`, []string{"findings[0]", "target"}},
	}
	for _, c := range cases {
		if !strings.Contains(goodReport, c.from) {
			t.Fatalf("%s: fixture lacks %q", c.name, c.from)
		}
		in := strings.Replace(goodReport, c.from, c.to, 1)
		_, err := Decode([]byte(in))
		if err == nil {
			t.Errorf("%s: accepted:\n%s", c.name, in)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", c.name, err, w)
			}
		}
	}
	if _, err := Decode(nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty input: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(goodReport))
	f.Add([]byte(`{"schema_version":"1"}`))
	f.Add([]byte(`[`))
	if b, err := os.ReadFile("testdata/full.json"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Decode(b)
		if err != nil {
			if r != nil {
				t.Fatal("report returned with an error")
			}
			return
		}
		// Whatever Decode accepts, the renderers can rely on.
		for _, x := range r.Findings {
			if x.ID == "" || x.Check == "" || x.Target == "" || len(x.Articles) == 0 {
				t.Fatalf("accepted an incomplete finding %+v", x)
			}
		}
		r.Normalize()
	})
}
