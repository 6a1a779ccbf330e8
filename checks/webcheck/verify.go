package webcheck

import (
	"bytes"
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
		if bytes.HasPrefix(b, []byte("PK\x03\x04")) || bytes.HasPrefix(b, []byte("\x1f\x8b")) {
			return "archive (zip/gzip magic)", true
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
