//go:build netlab

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/internal/drift"
	"shindan/internal/netlab"
	"shindan/internal/store"
	"shindan/internal/store/pgtest"
)

// TestLabSweepDrift sweeps the clean lab host three times. Before the
// first run its IPv6 address is removed; between the first and the second
// run the address comes back (IPv6 enabled) and a web server opens
// tcp/8080. The second run must emit exactly those drift events to the
// webhook (signed), the JSONL file and the lab MTA, plus the verdict
// regression they cause: ipv6.parity pairs the returning IPv6 address with
// the IPv4 one by the SSH host key and finds tcp/8080 open on IPv4 only.
// The third run, with nothing changed, must emit none.
func TestLabSweepDrift(t *testing.T) { labSweepDrift(t, false) }

// TestLabSweepDriftPolicy is TestLabSweepDrift with the alert channels
// (webhook with its secret from the environment, JSONL file, mail) taken
// from the policy file's notify: section instead of flags, and the
// history in a real PostgreSQL store (pgtest's throw-away cluster).
func TestLabSweepDriftPolicy(t *testing.T) { labSweepDrift(t, true) }

func labSweepDrift(t *testing.T, viaPolicy bool) {
	lab := netlab.Require(t)
	clean, mx := lab.Host("clean"), lab.Host("mailgood")
	v6 := clean.IPv6.String() + "/64"
	inNS := func(args ...string) *exec.Cmd {
		return exec.Command("ip", append([]string{"netns", "exec", clean.NS}, args...)...)
	}
	if out, err := inNS("ip", "-6", "addr", "del", v6, "dev", "eth0").CombinedOutput(); err != nil {
		t.Fatalf("removing the IPv6 address: %v %s", err, out)
	}
	var httpd *exec.Cmd
	t.Cleanup(func() {
		if httpd != nil && httpd.Process != nil {
			httpd.Process.Kill()
			httpd.Wait()
		}
		inNS("ip", "-6", "addr", "add", v6, "dev", "eth0", "nodad").Run() // back as lab up left it
	})

	var mu sync.Mutex
	type post struct {
		body []byte
		sig  string
	}
	var posts []post
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, post{b, r.Header.Get("X-Shindan-Signature")})
		mu.Unlock()
	}))
	defer hook.Close()

	dir := t.TempDir()
	db, jl := filepath.Join(dir, "sweep.db"), filepath.Join(dir, "drift.jsonl")
	if viaPolicy {
		db = pgtest.Shared(t).NewDatabase(t)
	}
	rcpt := "ops-" + time.Now().Format("150405.000000") + "@mx.good.test"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	type result struct {
		code int
		out  string
	}
	done := make(chan result, 1)
	ca := filepath.Join(lab.RunDir, "mailgood", "ca.pem")
	channels := []string{"--webhook", hook.URL, "--webhook-secret", "lab-secret", "--jsonl", jl,
		"--smtp", mx.IPv4.String() + ":25", "--smtp-tls-name", "mx.good.test", "--smtp-ca-file", ca, "--mail-to", rcpt}
	if viaPolicy {
		t.Setenv("SHINDAN_LAB_HOOK_SECRET", "lab-secret")
		pol := filepath.Join(dir, "policy.yaml")
		body := "version: 1\nnotify:\n  webhook:\n    url: " + hook.URL + "\n    secret_env: SHINDAN_LAB_HOOK_SECRET\n    retries: 2\n" +
			"  jsonl: " + jl + "\n  mail:\n    smtp: " + mx.IPv4.String() + ":25\n    tls_name: mx.good.test\n    ca_file: " + ca +
			"\n    to: [" + rcpt + "]\n"
		if err := os.WriteFile(pol, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		channels = []string{"--policy", pol}
	}
	go func() {
		args := append([]string{"sweep", "--store", db, "--every", "12s", "--runs", "3", "--ports", "22,8080",
			"--connect-timeout", "700ms", "--retries", "0", "--log-level", "warn"}, channels...)
		code, out := run(t, ctx, append(args, clean.IPv4.String(), clean.IPv6.String())...)
		done <- result{code, out}
	}()

	// Change the host once the first (baseline) run is stored complete;
	// a sweep that ends before that fails the test with its output.
	waitCtx, stopWait := context.WithCancel(ctx)
	var early result
	go func() {
		select {
		case early = <-done:
			stopWait()
		case <-waitCtx.Done():
		}
	}()
	st := waitScans(t, waitCtx, db, 1)
	stopWait()
	if st == nil {
		t.Fatalf("no complete scan in %s; the sweep ended: exit %d\n%s", db, early.code, early.out)
	}
	if out, err := inNS("ip", "-6", "addr", "add", v6, "dev", "eth0", "nodad").CombinedOutput(); err != nil {
		t.Fatalf("adding the IPv6 address: %v %s", err, out)
	}
	// The first run left the router a failed neighbour entry for the
	// absent address; without this, how soon the router tries again
	// decides whether the second run sees the host.
	exec.Command("ip", "netns", "exec", lab.Router.NS, "ip", "-6", "neigh", "flush", "to", clean.IPv6.String()).Run()
	www := filepath.Join(dir, "www")
	os.MkdirAll(www, 0o755)
	os.WriteFile(filepath.Join(www, "index.html"), []byte("sweep\n"), 0o644)
	httpd = inNS("busybox", "httpd", "-f", "-p", clean.IPv4.String()+":8080", "-h", www)
	if err := httpd.Start(); err != nil {
		t.Fatal(err)
	}
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		t.Fatal("sweep did not finish three runs")
	}
	if res.code != 0 {
		t.Fatalf("sweep exit %d:\n%s", res.code, res.out)
	}
	scans, err := st.History(context.Background(), store.Filter{})
	if err != nil || len(scans) != 3 {
		t.Fatalf("history: %v %+v", err, scans)
	}
	second, third := scans[1].ID, scans[0].ID
	for _, s := range scans {
		if !s.Complete {
			t.Errorf("scan %s incomplete", s.ID)
		}
	}

	want := []string{
		"new-host " + clean.IPv6.String(),
		"new-port " + clean.IPv4.String() + " tcp/8080",
		"new-port [" + clean.IPv6.String() + "] tcp/22",
		"regression " + clean.IPv4.String() + " ipv6.parity",
	}
	key := func(e drift.Event) string {
		k := string(e.Kind) + " " + e.Where()
		if e.Kind == drift.Regression {
			k += " " + e.Check
		}
		return k
	}

	// JSONL: exactly those events, all of the second run.
	f, err := os.Open(jl)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e drift.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("jsonl: %v: %s", err, sc.Text())
		}
		if e.Scan != second {
			t.Errorf("event of scan %s, want only %s (the run after the change)", e.Scan, second)
		}
		lines = append(lines, key(e))
	}
	if !slices.Equal(lines, want) {
		t.Errorf("jsonl events:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	// Webhook: one signed POST, from the second run; none from the third.
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 1 {
		t.Fatalf("%d webhook posts, want 1", len(posts))
	}
	if posts[0].sig != drift.Sign("lab-secret", posts[0].body) {
		t.Errorf("bad signature %q", posts[0].sig)
	}
	var b drift.Batch
	if err := json.Unmarshal(posts[0].body, &b); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range b.Events {
		got = append(got, key(e))
	}
	if b.Scan != second || !slices.Equal(got, want) {
		t.Errorf("webhook batch of %s: %v", b.Scan, got)
	}

	// The store keeps the events; the third run has none.
	evs, err := st.Events(context.Background(), "", time.Time{}, 100)
	if err != nil || len(evs) != len(want) {
		t.Errorf("stored events: %v %d", err, len(evs))
	}
	for _, e := range evs {
		if e.Scan == third {
			t.Errorf("the run without change has event %s", key(e))
		}
	}

	// The lab MTA accepted the mail over STARTTLS for the recipient.
	deadline := time.Now().Add(10 * time.Second)
	for {
		log, _ := os.ReadFile(filepath.Join(lab.RunDir, "mailgood", "maillog"))
		// Postfix logs the recipient on delivery (status=sent by the
		// discard transport), the scan in the Message-ID, and STARTTLS in
		// the session's command counts.
		if strings.Contains(string(log), "to=<"+rcpt+">") && strings.Contains(string(log), "message-id=<"+second+".") &&
			strings.Contains(string(log), "starttls=1 mail=1 rcpt=1 data=1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailgood's maillog shows no delivery to %s over TLS", rcpt)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitScans opens the sweep's store once it holds n complete scans; nil
// when ctx ends first.
func waitScans(t *testing.T, ctx context.Context, db string, n int) *store.Store {
	t.Helper()
	for {
		if _, err := os.Stat(db); err == nil || strings.HasPrefix(db, "postgres") {
			st, err := store.Open(ctx, db)
			if err == nil {
				scans, err := st.History(ctx, store.Filter{Complete: true})
				if err == nil && len(scans) >= n {
					t.Cleanup(func() { st.Close() })
					return st
				}
				st.Close()
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}
