package checktest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shindan/checks"
	"shindan/scanners"
)

func write(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "case.txtar")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLoadRejectsBadCases(t *testing.T) {
	for name, body := range map[string]string{
		"no observations":  "-- findings.json --\n[]\n",
		"unknown section":  "-- observations.json --\n[]\n-- finding.json --\n[]\n",
		"twice":            "-- observations.json --\n[]\n-- observations.json --\n[]\n",
		"bad json":         "-- observations.json --\n[{\"probe\": 1}]\n",
		"bad now":          "-- observations.json --\n[]\n-- now --\nyesterday\n",
		"body_text number": "-- observations.json --\n[{\"data\": {\"root\": {\"body_text\": 1}}}]\n",
		"body twice":       "-- observations.json --\n[{\"data\": {\"root\": {\"body_text\": \"a\", \"body\": \"YQ==\"}}}]\n",
	} {
		if _, err := Load(write(t, body)); err == nil || !strings.Contains(err.Error(), "case.txtar") {
			t.Errorf("%s: Load error = %v, want one naming the file", name, err)
		}
	}
}

// echo fails every observation it needs, so the test sees what Evaluate got.
type echo struct{}

func (echo) Info() checks.Info {
	return checks.Info{ID: "x.echo", Needs: []string{scanners.ProbeDNSServer}, Severity: checks.Low, Title: checks.T("題", "title")}
}

func (echo) Evaluate(in *checks.Input) []checks.Finding {
	var out []checks.Finding
	for _, o := range in.Obs {
		out = append(out, checks.Observed(echo{}.Info(), o, o.Probe+" "+in.Now.Format("2006"), checks.Fail, checks.Text{}))
	}
	return out
}

func TestEvaluateFiltersAndRendersJSON(t *testing.T) {
	k, err := Load(write(t, `case
-- observations.json --
[{"probe": "dns.server", "target": {"addr": "198.51.100.53"}, "status": "ok"},
 {"probe": "http.site", "target": {"addr": "198.51.100.80"}, "status": "ok"}]
-- now --
2031-05-01T00:00:00Z
`))
	if err != nil {
		t.Fatal(err)
	}
	got := string(Render(k.Evaluate(echo{})))
	if !strings.Contains(got, `"Subject": "dns.server 2031"`) || strings.Contains(got, "http.site") || !strings.Contains(got, `"ja": "題"`) {
		t.Fatalf("rendered findings:\n%s", got)
	}
	if k.Expected != nil {
		t.Fatal("a case without findings.json has expectations")
	}
	if string(Render(nil)) != "[]\n" {
		t.Fatal("no findings must render as []")
	}
}

// TestBodyText: a body written as text reaches the check as the bytes the
// probe would have read.
func TestBodyText(t *testing.T) {
	k, err := Load(write(t, `-- observations.json --
[{"probe": "http.site", "target": {"addr": "198.51.100.80"}, "status": "ok", "kind": "http-site",
  "data": {"url": "http://198.51.100.80:80", "scheme": "http", "host": "x", "baseline": {"stable": true},
   "root": {"method": "GET", "path": "/", "status": 200, "body_text": "<h1>Index of /</h1>\u00e9", "body_len": 12345678901}}}]
`))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := k.Input.Obs[0].Data.(*scanners.HTTPSite)
	if !ok || string(s.Root.Body) != "<h1>Index of /</h1>é" || s.Root.BodyLen != 12345678901 {
		t.Fatalf("site %+v", k.Input.Obs[0].Data)
	}
}

func TestUntold(t *testing.T) {
	full := checks.Finding{Status: checks.Fail, Title: checks.T("題", "t"), Detail: checks.T("詳細", "d"), Remediation: checks.T("対処", "r")}
	if msg := untold(full); msg != "" {
		t.Errorf("complete finding: %s", msg)
	}
	for name, f := range map[string]checks.Finding{
		"title":       {Status: checks.Pass, Title: checks.T("", "t"), Detail: checks.T("詳細", "d")},
		"detail":      {Status: checks.Pass, Title: checks.T("題", "t"), Detail: checks.T("詳細", "")},
		"remediation": {Status: checks.Warn, Title: checks.T("題", "t"), Detail: checks.T("詳細", "d"), Remediation: checks.T("対処", "")},
	} {
		if msg := untold(f); !strings.Contains(msg, name) {
			t.Errorf("%s missing: %q", name, msg)
		}
	}
}

func TestOnePlural(t *testing.T) {
	for en, want := range map[string]int{
		"HTML listing with 1 entries":                    1,
		"a query drew 60 bytes in 1 packets":             1,
		"1 more bytes left out":                          1,
		"none of the 1 identified open ports is":         1,
		"1 DNS-querying terms (limit 10)":                1,
		"HTML listing with 1 entry, 2 entries":           0,
		"listened 1 ms on off0":                          0,
		"TLS 1.0 accepts 3 suites; 1 of the 3 paths":     0,
		"1 pass, info or skipped; 1 address; 1 status":   0,
		"tcp/1 ports, 10.1 hosts, v1 ports, x-1 entries": 0,
		"accepts SSL3.0, which type forbids (1 suite).":  0,
		"accepts SSL3.0, which type forbids (1 suites).": 1,
		"sent 1 RS: 1 TLS handshakes failed":             1,
		"the 1 identified open port is not a database":   0,
		"DNS 1 DNS; 1 TLS":                               0,
		"a 1-byte query":                                 0,
	} {
		if got := OnePlural(en); len(got) != want {
			t.Errorf("OnePlural(%q) = %q, want %d", en, got, want)
		}
	}
}

func TestEnglishInJA(t *testing.T) {
	for ja, want := range map[string]string{
		"判定できませんでした（タイムアウト）: 「i/o timeout」":                               "",
		"判定できませんでした（timeout）: i/o timeout":                                "timeout timeout",
		"設定区分 推奨セキュリティ型（recommended_security） では禁止: 3DES":                 "",
		"SPF レコード: v=spf1 mx -all（未評価: ptr is counted）":                   "mx ptr is counted",
		"親ゾーン offline. の DS、ns1.x. 198.51.100.61、tcp/80、fe80::1":          "",
		"（BIND: `allow-recursion { 内部; };`、Unbound: `hide-version: yes`）": "",
		"nginx の autoindex off 等":                                         "autoindex off",
		"ssh (OpenSSH): SSH は通信を暗号化します":                                   "",
		"Apache の Options -Indexes、Postfix、Heartbleed":                    "",
		"値 \"yesterday\" を読めません":                                          "",
	} {
		if got := strings.Join(EnglishInJA(ja), " "); got != want {
			t.Errorf("EnglishInJA(%q) = %q, want %q", ja, got, want)
		}
	}
}

func TestJapaneseInEN(t *testing.T) {
	for en, want := range map[string]string{
		"moved to 運用監視 (compatibility only)":      "運用監視",
		`organisation "デジタル庁" in the certificate`: "",
		"TLS 1.0 accepted; 「記録」 quoted":           "",
		"plain English":                           "",
	} {
		if got := strings.Join(JapaneseInEN(en), " "); got != want {
			t.Errorf("JapaneseInEN(%q) = %q, want %q", en, got, want)
		}
	}
}
