package webcheck

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
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

// TestFooterSignature: the generators' footers are read (the check's verdicts
// on them are golden cases, testdata/http.info-disclosure).
func TestFooterSignature(t *testing.T) {
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
