package httpscan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"shindan/scanners"
)

// crawlServer links a folder without its trailing slash from a page
// other than "/", nests a listing two links deep, and links a dump from
// the listing. Every other path gets a 200 page with a fresh nonce.
func crawlServer(t *testing.T) (*httptest.Server, *[]string) {
	t.Helper()
	var asked []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		var n [16]byte
		rand.Read(n[:])
		nonce := hex.EncodeToString(n[:])
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			io.WriteString(w, `<html><head><script nonce="`+nonce+`"></script></head><body><a href="about.html">About</a> <a href="https://elsewhere.example/x/">out</a> <a href="//elsewhere.example/y/">out</a></body></html>`)
		case "/about.html":
			io.WriteString(w, `<html><body><a href="archive">our archive</a> <a href="/team/people.html">team</a></body></html>`)
		case "/archive":
			http.Redirect(w, r, "/archive/", http.StatusMovedPermanently)
		case "/archive/":
			io.WriteString(w, `<html><body><pre><a href="../">../</a>
<a href="old/">old/</a>   26-Nov-2026 10:00   -
<a href="backup.sql">backup.sql</a>   26-Nov-2026 10:00   1234
</pre></body></html>`)
		case "/archive/old/":
			io.WriteString(w, `<html><body><pre><a href="../">../</a>
<a href="x.txt">x.txt</a>   26-Nov-2026 10:00   1
</pre></body></html>`)
		case "/archive/backup.sql":
			w.Header().Set("Content-Type", "application/sql")
			io.WriteString(w, "-- MySQL dump 10.13  Distrib 8.0.36\n--\n-- Host: localhost    Database: app\nCREATE TABLE `users` (\n`id` int);\nINSERT INTO `users` VALUES (1);\n")
		default:
			io.WriteString(w, `<html><head><script nonce="`+nonce+`"></script></head><body><form><input type="hidden" name="csrf" value="`+nonce+`"></form><p>Sorry, that page is not here.</p></body></html>`)
		}
	})
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s, &asked
}

func TestCrawlDiscoversFolders(t *testing.T) {
	s, asked := crawlServer(t)
	o := runSite(t, &scanners.Env{}, targetOf(t, s))
	site := o.Data.(*scanners.HTTPSite)
	if !site.Baseline.Stable || site.Baseline.Compare != "structure" {
		t.Fatalf("nonce soft-404 baseline: %+v", site.Baseline.Reason)
	}
	got := map[string]scanners.HTTPExchange{}
	for _, f := range site.Folders {
		got[f.Path] = f
	}
	for _, p := range []string{"/archive/", "/archive/old/", "/team/"} {
		if _, ok := got[p]; !ok {
			t.Errorf("folder %s not discovered", p)
		}
	}
	if f := got["/archive/"]; f.Status != 200 || f.Soft404 {
		t.Errorf("/archive/: %d soft404 %v", f.Status, f.Soft404)
	}
	if f := got["/team/"]; !f.Soft404 {
		t.Error("/team/ (nonce soft-404) not marked soft-404")
	}
	if !slices.ContainsFunc(site.Pages, func(x scanners.HTTPExchange) bool { return x.Path == "/about.html" }) {
		t.Error("/about.html not crawled")
	}
	var dump *scanners.HTTPExchange
	for i, f := range site.Files {
		if f.Path == "/archive/backup.sql" {
			dump = &site.Files[i]
		}
		if f.Kind == "backup" && !f.Soft404 {
			t.Errorf("%s: nonce soft-404 not recognised", f.Path)
		}
	}
	if dump == nil || dump.Kind != "sql-dump" || dump.Soft404 {
		t.Errorf("linked dump: %+v", dump)
	}
	for _, p := range *asked {
		if strings.Contains(p, "elsewhere") {
			t.Errorf("crawl left the endpoint: %s", p)
		}
	}
}

func TestFolderOf(t *testing.T) {
	cases := map[string]string{
		"/a/b/c.html": "/a/ /a/b/",
		"/docs":       "/docs/",
		"/docs/":      "/docs/",
		"/x.txt":      "",
		"/a/b":        "/a/ /a/b/",
	}
	for in, want := range cases {
		if got := strings.Join(folderOf(in), " "); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func TestSkeletonIgnoresNonces(t *testing.T) {
	a := skeleton([]byte(`<p id="x" data-n="1f3a">Not found. Request 4f9c2a1b7e</p><input value="Zm9vYmFyYmF6cXV4cXV1eA==">`), "/sdnaa.html")
	b := skeleton([]byte(`<p id="y" data-n="9b">Not found. Request aa01</p><input value="cXV1eHF1dXhiYXpmb29iYXI=">`), "/sdnbb.html")
	if a != b {
		t.Errorf("%q != %q", a, b)
	}
	if c := skeleton([]byte(`ref: refs/heads/main`), "/.git/HEAD"); c == a {
		t.Error("a Git HEAD has the 404 skeleton")
	}
}

func FuzzSkeleton(f *testing.F) {
	f.Add([]byte(`<a href="x">y</a> 123 <b`), "/p")
	f.Fuzz(func(t *testing.T, b []byte, p string) {
		if len(skeleton(b, p)) > 1<<16+1<<12 {
			t.Fatal("skeleton unbounded")
		}
	})
}

func TestElideStyles(t *testing.T) {
	big := "<html><head><style>" + strings.Repeat("i.icon{background:url(data:x)}", 3000) + "</style></head><body><a href=\"a.txt\">a.txt</a></body></html>"
	got := string(elideStyles([]byte(big)))
	if len(got) > 300 || !strings.Contains(got, "bytes of CSS elided") || !strings.Contains(got, `<a href="a.txt">`) {
		t.Errorf("%d %q", len(got), got[:min(len(got), 200)])
	}
}

// A server that accepts and then stalls on every path but "/" costs one
// timeout per path, not two: timeouts are not retried.
func TestGetRetriesDropsNotTimeouts(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		n := hits[r.URL.Path]
		mu.Unlock()
		switch {
		case r.URL.Path == "/stall":
			<-r.Context().Done()
		case r.URL.Path == "/drop" && n == 1:
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer s.Close()
	c := NewClient(&scanners.Env{IOTimeout: 200 * time.Millisecond}, targetOf(t, s), "http")
	defer c.Close()
	site := &scanners.HTTPSite{}
	if x := c.get(context.Background(), site, "/drop", "folder"); x.Status != 200 {
		t.Errorf("dropped connection not retried: %+v", x.Error)
	}
	if x := c.get(context.Background(), site, "/stall", "folder"); x.Status != 0 || hits["/stall"] != 1 {
		t.Errorf("stall: status %d, asked %d times", x.Status, hits["/stall"])
	}
}

func TestSubfolderLinks(t *testing.T) {
	j := `[{ "name":"2026", "type":"directory", "mtime":"x" },{ "name":"a.csv", "type":"file", "size":1 },{ "name":"..", "type":"directory" }]`
	x := `<?xml version="1.0"?><list><directory mtime="x">sub dir</directory><file size="1">a</file></list>`
	if got := string(subfolderLinks([]byte(j + x))); got != `<a href="2026/"><a href="sub%20dir/">` {
		t.Errorf("%q", got)
	}
}
