package webcheck

import (
	"bytes"
	"compress/gzip"
	"io"
	"regexp"
	"strings"

	"shindan/scanners"
)

var (
	reGitHead   = regexp.MustCompile(`^(?:ref: refs/\S+|[0-9a-f]{40}|[0-9a-f]{64})\s*$`)
	reDotenv    = regexp.MustCompile(`^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=`)
	rePHPInfo   = regexp.MustCompile(`(?i)(?:<title>phpinfo\(\)|<title>PHP \d+\.\d+[^<]*phpinfo\(\)|>PHP Version \d)`)
	reSvnXML    = regexp.MustCompile(`(?s)^<\?xml.*<wc-entries`)
	reSvnNumber = regexp.MustCompile(`^\d+\s*\n`)
	reHTMLDoc   = regexp.MustCompile(`(?i)<(?:!doctype html|html)`)
	reGitLog    = regexp.MustCompile(`(?m)^[0-9a-f]{40} [0-9a-f]{40} [^\n<]*<[^\n>]*> \d+ [+-]\d{4}\t`)
	reCVSEntry  = regexp.MustCompile(`(?m)^D?/[^/\n]+/[^/\n]*/[^/\n]*/[^/\n]*/[^\n]*$`)
	reCVSRoot   = regexp.MustCompile(`^(?::(?:pserver|ext|local|gserver|sspi|fork|kserver|server|extssh):\S+|/[\w./-]+)$`)
	reSQLHeader = regexp.MustCompile(`(?m)^-- (?:MySQL dump \d|MariaDB dump \d|PostgreSQL database dump|Dumped from database version|Dump completed on)`)
	reSQLCreate = regexp.MustCompile(`(?i)\bCREATE TABLE\b[^;]{0,200}\(`)
	reSQLData   = regexp.MustCompile(`(?i)\bINSERT INTO\b[^;]{0,200}\bVALUES\b|\bCOPY [\w."]+ \([^)]*\) FROM stdin;`)
)

// defaultPages are bodies of web servers' out-of-the-box pages.
var defaultPages = []string{
	"Welcome to nginx!", "Apache2 Debian Default Page", "Apache2 Ubuntu Default Page",
	"Test Page for the Apache HTTP Server", "IIS Windows Server", "Welcome to lighttpd",
	"If you're seeing this, you've successfully installed Tomcat",
}

// VerifyKind reports whether an exchange's content matches the kind of
// exposed file it was requested as (the http.site list), and says why. A
// soft-404 answer never matches.
func VerifyKind(kind string, x *scanners.HTTPExchange) (string, bool) {
	if x.Soft404 || x.Status == 0 {
		return "", false
	}
	b := x.Body
	if kind == "admin-console" && x.Status == 401 {
		realm := x.Header("WWW-Authenticate")
		for _, r := range []string{"Tomcat Manager", "JBoss", "WebLogic", "Solr", "phpMyAdmin"} {
			if strings.Contains(realm, r) {
				return "login prompt " + realm, true
			}
		}
		return "", false
	}
	if x.Status != 200 && x.Status != 206 {
		return "", false
	}
	switch kind {
	case "git-head":
		if reGitHead.Match(bytes.TrimSpace(b)) {
			return "Git HEAD reference", true
		}
	case "git-config":
		if bytes.Contains(b, []byte("[core]")) && bytes.Contains(b, []byte("repositoryformatversion")) {
			return "Git repository config", true
		}
	case "git-index":
		if bytes.HasPrefix(b, []byte("DIRC")) && len(b) >= 12 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] >= 2 && b[7] <= 4 {
			return "Git index (file list of the work tree)", true
		}
	case "git-log":
		if reGitLog.Match(b) {
			return "Git reflog (commit IDs, author names and e-mail addresses)", true
		}
	case "bzr-format":
		if bytes.Contains(b, []byte("Bazaar-NG meta directory")) || bytes.Contains(b, []byte("Bazaar meta directory")) {
			return "Bazaar branch metadata", true
		}
	case "cvs-entries":
		if !reHTMLDoc.Match(b) && reCVSEntry.Match(b) {
			return "CVS Entries file", true
		}
	case "cvs-root":
		if !reHTMLDoc.Match(b) && reCVSRoot.Match(bytes.TrimSpace(b)) {
			return "CVS Root (repository location)", true
		}
	case "vim-swap":
		if bytes.HasPrefix(b, []byte("b0VIM ")) {
			return "Vim swap file (a copy of the edited file's text)", true
		}
	case "sql-dump":
		return verifySQLDump(b)
	case "sql-dump-gz":
		if !bytes.HasPrefix(b, []byte("\x1f\x8b")) {
			return "", false
		}
		if why, ok := verifySQLDump(gunzipHead(b)); ok {
			return "gzip-compressed " + why, true
		}
	case "svn-entries":
		if reSvnNumber.Match(b) || reSvnXML.Match(b) {
			return "Subversion entries file", true
		}
	case "svn-wcdb":
		if bytes.HasPrefix(b, []byte("SQLite format 3\x00")) {
			return "Subversion working-copy database", true
		}
	case "hg-requires":
		if bytes.Contains(b, []byte("revlogv1")) || bytes.Contains(b, []byte("fncache")) {
			return "Mercurial requires file", true
		}
	case "dotenv":
		return verifyDotenv(b)
	case "ds-store":
		if bytes.HasPrefix(b, []byte("\x00\x00\x00\x01Bud1")) {
			return "macOS .DS_Store", true
		}
	case "backup":
		return verifyBackup(x.Path, b)
	case "archive":
		switch {
		case bytes.HasPrefix(b, []byte("PK\x03\x04")):
			return "zip archive", true
		case bytes.HasPrefix(b, []byte("\x1f\x8b")):
			return "gzip archive", true
		case bytes.HasPrefix(b, []byte("7z\xbc\xaf\x27\x1c")):
			return "7-Zip archive", true
		case bytes.HasPrefix(b, []byte("Rar!\x1a\x07")):
			return "RAR archive", true
		case len(b) > 262 && bytes.Equal(b[257:262], []byte("ustar")):
			return "tar archive", true
		}
	case "server-status":
		if bytes.Contains(b, []byte("Apache Server Status for")) ||
			bytes.HasPrefix(b, []byte("Active connections:")) {
			return "server status page", true
		}
	case "server-info":
		if bytes.Contains(b, []byte("Apache Server Information")) {
			return "Apache server-info page", true
		}
	case "phpinfo":
		if rePHPInfo.Match(b) {
			return "phpinfo() output", true
		}
	case "default-page":
		for _, p := range defaultPages {
			if bytes.Contains(b, []byte(p)) {
				return "default page (" + p + ")", true
			}
		}
	case "admin-console":
		for _, p := range []string{"Tomcat Web Application Manager", "phpMyAdmin", "Login - Adminer", "JMX Agent View", "Solr Admin", "WebLogic Server Administration Console"} {
			if bytes.Contains(b, []byte(p)) {
				return "admin console (" + p + ")", true
			}
		}
	}
	return "", false
}

// verifyDotenv wants KEY=value lines making up most of a non-HTML body.
func verifyDotenv(b []byte) (string, bool) {
	if reHTMLDoc.Match(b) {
		return "", false
	}
	n, kv := 0, 0
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		n++
		if reDotenv.MatchString(l) {
			kv++
		}
	}
	if kv > 0 && kv*2 >= n {
		return "environment file with KEY=value lines", true
	}
	return "", false
}

// verifyBackup wants the source of what the backup copies: PHP code for a
// PHP backup, an HTML document for an HTML backup, XML for web.config.
func verifyBackup(path string, b []byte) (string, bool) {
	p := strings.ToLower(path)
	switch {
	case strings.Contains(p, ".php"):
		if bytes.Contains(b, []byte("<?php")) {
			return "PHP source code", true
		}
	case strings.Contains(p, ".config"):
		if bytes.Contains(b, []byte("<configuration")) {
			return "IIS configuration", true
		}
	case strings.Contains(p, ".htm"):
		if reHTMLDoc.Match(b) {
			return "copy of an HTML page", true
		}
	}
	return "", false
}

// verifySQLDump wants a database dump: a mysqldump, mariadb-dump or
// pg_dump header, a pg_dump archive or SQLite file, or table definitions
// with rows, and no HTML.
func verifySQLDump(b []byte) (string, bool) {
	switch {
	case bytes.HasPrefix(b, []byte("PGDMP")):
		return "pg_dump archive", true
	case bytes.HasPrefix(b, []byte("SQLite format 3\x00")):
		return "SQLite database", true
	case reHTMLDoc.Match(b[:min(len(b), 1024)]):
		return "", false
	case reSQLHeader.Match(b):
		m := reSQLHeader.Find(b)
		return "database dump (" + strings.TrimPrefix(strings.TrimSpace(string(m)), "-- ") + ")", true
	case reSQLCreate.Match(b) && reSQLData.Match(b):
		return "SQL dump with table definitions and rows", true
	}
	return "", false
}

// gunzipHead is the start of a gzip stream, at most 64 KiB of it: a
// dump's header is in its first lines, and a bomb costs no more.
func gunzipHead(b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(zr, 64<<10)) // an excerpt ends mid-stream: keep what came out
	return out
}
