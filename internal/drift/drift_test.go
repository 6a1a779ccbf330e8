package drift

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/checks"
	"shindan/reports"
)

func rep(id string, assets []reports.Asset, fs ...reports.Finding) *reports.Report {
	if fs == nil {
		fs = []reports.Finding{}
	}
	return &reports.Report{SchemaVersion: "1", Tool: reports.Tool{Name: "shindan"},
		Scan:   reports.Scan{ID: id, Complete: true, Checks: []string{"service.exposed", "tls.certificate", "ipv6.rogue-ra"}},
		Assets: assets, Findings: fs}
}

func TestCompareKinds(t *testing.T) {
	cert := func(line, st string, subject string) reports.Finding {
		return reports.Finding{ID: reports.FindingID("tls.certificate", "198.51.100.51:443", subject), Check: "tls.certificate",
			Articles: []string{"61-1-5"}, Target: "198.51.100.51:443", Host: "198.51.100.51", Port: 443, Status: st, Severity: "medium",
			Evidence: []reports.Evidence{{Kind: "tls", Data: "version: TLS1.3\ncertificate: " + line + "\n"}}}
	}
	ra := reports.Finding{ID: "Fra", Check: "ipv6.rogue-ra", Articles: []string{"79"}, Target: "off0", Status: "fail", Severity: "high"}
	waived := reports.Finding{ID: "Fw", Check: "service.exposed", Articles: []string{"59-1"}, Target: "198.51.100.20:23", Host: "198.51.100.20",
		Port: 23, Status: "fail", Severity: "high", Waiver: &reports.Waiver{Reason: "r"}}
	fixedNow := reports.Finding{ID: "Ffix", Check: "service.exposed", Articles: []string{"59-1"}, Target: "198.51.100.20:21", Host: "198.51.100.20", Port: 21, Status: "pass"}
	fixedOld := fixedNow
	fixedOld.Status, fixedOld.Severity = "fail", "high"
	old := rep("A", []reports.Asset{
		{Host: "198.51.100.20", Names: []string{"pc1"}, Services: []reports.Service{{Port: 22, Proto: "tcp", Service: "ssh", Product: "OpenSSH", Version: "9.2"}, {Port: 25, Proto: "tcp"}}},
		{Host: "198.51.100.30"},
		{Host: "203.0.113.10", Names: []string{"office1"}},
	}, cert("CN=a until 2027", "pass", "certificate"), fixedOld)
	cur := rep("B", []reports.Asset{
		{Host: "198.51.100.20", Names: []string{"pc1"}, Services: []reports.Service{{Port: 22, Proto: "tcp", Service: "ssh", Product: "OpenSSH", Version: "9.3"}, {Port: 8080, Proto: "tcp"}}},
		{Host: "198.51.100.40"},
		{Host: "203.0.113.10", Names: []string{"office1"}},
		{Host: "2001:db8:1::10", Names: []string{"office1"}},
	}, cert("CN=b until 2026-12-20", "warn", "certificate:expires-soon"), ra, waived, fixedNow)
	pol := checks.DefaultPolicy()
	pol.IPv4OnlySegments = append(pol.IPv4OnlySegments, mustPrefix("203.0.113.0/25"))
	d := Compare(old, cur, Options{Policy: pol})
	var got []string
	for _, c := range d.Changes {
		got = append(got, string(c.Kind)+" "+c.Where())
	}
	want := []string{
		"new-host 198.51.100.40", "new-host 2001:db8:1::10", "gone-host 198.51.100.30",
		"new-port 198.51.100.20 tcp/8080", "port-closed 198.51.100.20 tcp/25", "new-service 198.51.100.20 tcp/22",
		"cert-changed 198.51.100.51:443", "ipv6-on-ipv4-only 2001:db8:1::10", "new-router-advertisement off0",
		"cert-expiring 198.51.100.51:443", "regression 198.51.100.20:23", "improvement 198.51.100.20:21",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r := d.Regressions("high"); len(r) != 1 || r[0].Kind != NewRA {
		t.Errorf("unwaived regressions at high: %+v", r)
	}
	evs := Events(d, time.Now())
	for _, e := range evs {
		if e.Kind == Improvement || e.Kind == GoneHost || e.Kind == CertChanged || e.Waived {
			t.Errorf("not a drift event: %+v", e.Change)
		}
	}
	if len(evs) != 8 {
		t.Errorf("%d events, want 8", len(evs))
	}
	if d := Compare(cur, cur, Options{Policy: pol}); len(d.Changes) != 0 {
		t.Errorf("a scan against itself: %+v", d.Changes)
	}
}

func TestMarkBaseline(t *testing.T) {
	f := func(id, host string, port int, st string) reports.Finding {
		return reports.Finding{ID: id, Check: "service.exposed", Articles: []string{"59-1"}, Target: host, Host: host, Port: port, Proto: "tcp", Status: st, Severity: "high"}
	}
	base := rep("A", []reports.Asset{{Host: "h1"}, {Host: "h2"}},
		f("still", "h1", 22, "fail"), f("fixedpass", "h1", 23, "fail"), f("closed", "h1", 6379, "fail"),
		f("unscanned", "h1", 9999, "fail"), f("hostdown", "h2", 22, "fail"), f("undecided", "h1", 21, "fail"), f("newbad", "h1", 80, "pass"))
	cur := rep("B", []reports.Asset{{Host: "h1", Services: []reports.Service{{Port: 22, Proto: "tcp"}, {Port: 80, Proto: "tcp"}}}},
		f("still", "h1", 22, "fail"), f("fixedpass", "h1", 23, "pass"), f("undecided", "h1", 21, "error"), f("newbad", "h1", 80, "fail"), f("brandnew", "h1", 443, "warn"))
	Mark(cur, base, Coverage{Ports: "21-23,80,443,6379"})
	want := map[string]string{"still": "unchanged", "fixedpass": "fixed", "undecided": "not-tested", "newbad": "new", "brandnew": "new"}
	for _, x := range cur.Findings {
		if x.Baseline != want[x.ID] {
			t.Errorf("%s: %q, want %q", x.ID, x.Baseline, want[x.ID])
		}
	}
	gone := map[string]string{}
	for _, g := range cur.Baseline.Gone {
		gone[g.ID] = g.State
	}
	// Scanned and closed: fixed. Port outside the scan, host down: never fixed.
	wantGone := map[string]string{"closed": "fixed", "unscanned": "not-tested", "hostdown": "not-tested"}
	if len(gone) != len(wantGone) {
		t.Errorf("gone: %v", gone)
	}
	for id, st := range wantGone {
		if gone[id] != st {
			t.Errorf("gone %s: %q, want %q", id, gone[id], st)
		}
	}
	// Without the port list (an imported report) a closed port is not
	// known to have been scanned.
	cur2 := rep("C", cur.Assets, cur.Findings...)
	Mark(cur2, base, Coverage{})
	for _, g := range cur2.Baseline.Gone {
		if g.State != reports.BaselineNotTested {
			t.Errorf("without coverage %s is %s", g.ID, g.State)
		}
	}
	// An interrupted scan fixes nothing it lost.
	cur3 := rep("D", cur.Assets, cur.Findings...)
	cur3.Scan.Complete = false
	Mark(cur3, base, Coverage{Ports: "1-65535"})
	for _, g := range cur3.Baseline.Gone {
		if g.State != reports.BaselineNotTested {
			t.Errorf("interrupted: %s is %s", g.ID, g.State)
		}
	}
}

func TestWebhookRetriesAndSignature(t *testing.T) {
	var mu sync.Mutex
	var bodies [][]byte
	var sigs []string
	fails := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		bodies, sigs = append(bodies, b), append(sigs, r.Header.Get("X-Shindan-Signature"))
		if fails > 0 {
			fails--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	b := &Batch{Scan: "B", PrevScan: "A", At: time.Now().UTC(), Events: []Event{{Change: Change{Kind: NewPort, Host: "198.51.100.20", Proto: "tcp", Port: 8080}}}}
	wh := &Webhook{URL: srv.URL, Secret: "k", Attempts: 4, Backoff: 10 * time.Millisecond}
	start := time.Now()
	if err := wh.Notify(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 3 || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("%d attempts in %v, want 3 with 10+20 ms backoff", len(bodies), time.Since(start))
	}
	for i := range bodies {
		if sigs[i] != Sign("k", bodies[i]) || !strings.HasPrefix(sigs[i], "sha256=") || len(sigs[i]) != 7+64 {
			t.Errorf("signature %q", sigs[i])
		}
	}
	var got Batch
	if err := json.Unmarshal(bodies[2], &got); err != nil || len(got.Events) != 1 || got.Events[0].Port != 8080 {
		t.Errorf("body %s", bodies[2])
	}
	// A 4xx is the receiver's refusal: not retried.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) }))
	defer bad.Close()
	if err := (&Webhook{URL: bad.URL, Attempts: 3, Backoff: time.Hour}).Notify(context.Background(), b); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("403: %v", err)
	}
	// An unreachable receiver exhausts the attempts with a clear error.
	srv2 := httptest.NewServer(http.NotFoundHandler())
	u := srv2.URL
	srv2.Close()
	if err := (&Webhook{URL: u, Attempts: 2, Backoff: time.Millisecond}).Notify(context.Background(), b); err == nil || !strings.Contains(err.Error(), "2 attempts failed") {
		t.Errorf("unreachable: %v", err)
	}
}

func TestJSONL(t *testing.T) {
	p := filepath.Join(t.TempDir(), "d.jsonl")
	j := &JSONL{Path: p}
	b := &Batch{Scan: "B", At: time.Now().UTC(), Events: []Event{{Change: Change{Kind: NewHost, Host: "h"}}, {Change: Change{Kind: PortClosed, Host: "h", Port: 1}}}}
	if err := j.Notify(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if err := j.Notify(context.Background(), &Batch{Scan: "C", Heartbeat: true, Events: []Event{}}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	var kinds []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct{ Kind string }
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, e.Kind)
	}
	if strings.Join(kinds, ",") != "new-host,port-closed,heartbeat" {
		t.Errorf("lines: %v", kinds)
	}
}

func TestMailMessageNoInjection(t *testing.T) {
	m := &Mail{From: "a@example.invalid", To: []string{"b@example.invalid"}}
	msg := string(m.message(&Batch{Scan: "S\r\nBcc: x@evil", At: time.Unix(0, 0).UTC(),
		Events: []Event{{Text: reports.Text{JA: "新規\r\n.\r\nQUIT", EN: "new\r\nRCPT TO:<x>"}}}}))
	head, _, _ := strings.Cut(msg, "\r\n\r\n")
	if strings.Contains(head, "\r\nBcc:") || strings.Contains(msg, "\r\n.\r\n") || strings.Contains(msg, "\r\nRCPT") {
		t.Errorf("control characters reached the message:\n%q", msg)
	}
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
