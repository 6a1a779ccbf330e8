package webcheck

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"shindan/checks"
	"shindan/scanners"
)

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

const mysqldump = "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n-- Host: localhost    Database: app\n-- ------------------------------------------------------\nDROP TABLE IF EXISTS `users`;\nCREATE TABLE `users` (\n  `id` int NOT NULL\n);\nINSERT INTO `users` VALUES (1);\n"
const pgdump = "--\n-- PostgreSQL database dump\n--\n\n-- Dumped from database version 15.8\nCREATE TABLE public.users (\n    id integer NOT NULL\n);\nCOPY public.users (id) FROM stdin;\n1\n\\.\n"

func TestVerifyLeftBehind(t *testing.T) {
	cases := []struct {
		kind, path, body string
		want             bool
	}{
		{"sql-dump", "/backup.sql", mysqldump, true},
		{"sql-dump", "/dump.sql", pgdump, true},
		{"sql-dump", "/db.sql", "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n", true},
		{"sql-dump", "/backup.sql", "<!DOCTYPE html><html><body>CREATE TABLE t (id int); INSERT INTO t VALUES (1)</body></html>", false},
		{"sql-dump", "/backup.sql", "SELECT 1;", false},
		{"sql-dump-gz", "/backup.sql.gz", gz(mysqldump), true},
		{"sql-dump-gz", "/backup.sql.gz", gz("<html>nope</html>"), false},
		{"sql-dump-gz", "/backup.sql.gz", gz(pgdump)[:30], false}, // cut before the header: no claim
		{"vim-swap", "/.index.php.swp", "b0VIM 9.0\x00\x00\x00\x00", true},
		{"vim-swap", "/.index.php.swp", "<html>", false},
		{"git-index", "/.git/index", "DIRC\x00\x00\x00\x02\x00\x00\x00\x01rest", true},
		{"git-index", "/.git/index", "DIRCxxxx", false},
		{"git-log", "/.git/logs/HEAD", "0000000000000000000000000000000000000000 1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c A Dev <dev@example.go.jp> 1764150000 +0900\tcommit (initial): first\n", true},
		{"git-log", "/.git/logs/HEAD", "<html>", false},
		{"bzr-format", "/.bzr/branch-format", "Bazaar-NG meta directory, format 1\n", true},
		{"cvs-entries", "/CVS/Entries", "/index.html/1.3/Thu Nov 26 10:00:00 2026//\nD/images////\n", true},
		{"cvs-root", "/CVS/Root", ":pserver:anon@cvs.example.go.jp:/cvsroot\n", true},
		{"cvs-root", "/CVS/Root", "<html>x</html>", false},
		{"archive", "/backup.tar", strings.Repeat("\x00", 257) + "ustar\x0000", true},
		{"archive", "/backup.tgz", "\x1f\x8b\x08", true},
	}
	for _, tc := range cases {
		e := x(tc.path, 200, tc.body)
		why, got := VerifyKind(tc.kind, &e)
		if got != tc.want {
			t.Errorf("%s %s: got %v (%s)", tc.kind, tc.path, got, why)
		}
	}
}

func TestPageSignature(t *testing.T) {
	s := goodSite()
	s.Folders = append(s.Folders, x("/files/", 200, `<html><body><table><tr><td><a href="a.txt">a.txt</a></td></tr></table><address>Apache/2.4.62 (Debian) Server at 198.51.100.124 Port 80</address></body></html>`))
	s.Pages = []scanners.HTTPExchange{x("/about.html", 200, `<html><body><p>We moved from nginx 1.18 to a new platform.</p></body></html>`)}
	fs := eval(infoDisclosure{}, obsOf(s))
	var sig *checks.Finding
	for i := range fs {
		if fs[i].Subject == "page-signature" {
			sig = &fs[i]
		}
		if fs[i].Subject == "page-signature" && strings.Contains(fs[i].Detail.EN, "about.html") {
			t.Error("page prose read as a signature")
		}
	}
	if sig == nil || sig.Status != checks.Fail || !strings.Contains(sig.Detail.EN, "Apache/2.4.62") {
		t.Fatalf("footer signature not reported: %+v", fs)
	}
	for _, foot := range []string{
		`<div class="foot">lighttpd/1.4.69</div>`,
		`<address>Node.js v20.20.2/ http-server server running @ 198.51.100.126:8080</address>`,
		`<hr><i><small>Powered by Jetty:// 9.4.57.v20241219</small></i>`,
		`<h3>Apache Tomcat/10.1.60</h3></body>`,
	} {
		if footerSignature([]byte("<html><body>"+foot)) == "" {
			t.Errorf("%s: no signature", foot)
		}
	}
	if got := footerSignature([]byte(`<address>1-3-1 Kasumigaseki, Tokyo 100-8914</address>`)); got != "" {
		t.Errorf("postal address read as a signature: %q", got)
	}
}

func TestListingCheckFormats(t *testing.T) {
	s := goodSite()
	s.Folders = []scanners.HTTPExchange{
		x("/j/", 200, caseBody(t, "nginx-json"), "Content-Type", "application/json"),
		x("/x/", 200, caseBody(t, "nginx-xml"), "Content-Type", "text/xml"),
		x("/blog/", 200, caseBody(t, "many-relative-links")),
	}
	fs := eval(directoryListing{}, obsOf(s))
	got := map[string]checks.Status{}
	for _, f := range fs {
		got[f.Subject] = f.Status
	}
	if got["/j/"] != checks.Fail || got["/x/"] != checks.Fail || len(fs) != 2 {
		t.Errorf("%v", got)
	}
	if !strings.Contains(fs[0].Detail.EN, "JSON listing with 2 entries") || fs[0].Detail.JA == "" {
		t.Errorf("detail %+v", fs[0].Detail)
	}
}
