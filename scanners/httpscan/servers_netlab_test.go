//go:build netlab

package httpscan_test

import (
	"strings"
	"testing"

	"shindan/internal/netlab"
	"shindan/scanners"
)

// The web servers below were configured by their packages' defaults plus
// the one behaviour each host is for (issue 15 §2); the expectations are
// what any operator would call right.

// each runs the web checks on every address of host on port and calls fn
// with the findings and the target's string form.
func each(t *testing.T, host string, port uint16, fn func(got map[string]string, s string)) {
	t.Helper()
	lab := netlab.Require(t)
	h := lab.Host(host)
	for _, a := range h.Addrs() {
		tg := ep(a, port, "")
		fn(scan(t, []scanners.Target{tg}), tg.String())
	}
}

// noneOf fails when a finding of check on s other than want is fail.
func onlyFails(t *testing.T, got map[string]string, check, s string, want ...string) {
	t.Helper()
	for k, v := range got {
		subj, ok := strings.CutPrefix(k, check+" "+s+" ")
		if !ok || v != "fail" {
			continue
		}
		found := false
		for _, w := range want {
			found = found || w == subj
		}
		if !found {
			t.Errorf("unexpected fail %s", k)
		}
	}
}

// nginx in front of Apache: the listing is a table without sort links,
// and only its <address> footer tells the backend's version.
func TestLabProxiedApacheListing(t *testing.T) {
	each(t, "webproxy", 80, func(got map[string]string, s string) {
		want(t, got, "http.directory-listing "+s+" /reports/", "fail")
		want(t, got, "http.info-disclosure "+s+" page-signature", "fail")
		onlyFails(t, got, "http.info-disclosure", s, "page-signature")
		onlyFails(t, got, "http.directory-listing", s, "/reports/")
	})
}

// lighttpd: the listing is linked without a trailing slash from a page
// other than "/"; dumps in the root and in the listing are found.
func TestLabLighttpdCrawlAndDumps(t *testing.T) {
	each(t, "weblighty", 80, func(got map[string]string, s string) {
		want(t, got, "http.directory-listing "+s+" /archive/", "fail")
		want(t, got, "http.exposed-files "+s+" /backup.sql", "fail")
		want(t, got, "http.exposed-files "+s+" /archive/site-2024.sql", "fail")
		want(t, got, "http.info-disclosure "+s+" page-signature", "fail")
		onlyFails(t, got, "http.directory-listing", s, "/archive/", "/archive/2024/")
	})
}

// Python's http.server: a listing with no parent link, sizes or dates.
func TestLabPythonHTTPServer(t *testing.T) {
	each(t, "webpython", 8000, func(got map[string]string, s string) {
		want(t, got, "http.directory-listing "+s+" /", "fail")
		want(t, got, "http.exposed-files "+s+" /.git/HEAD", "fail")
		want(t, got, "http.exposed-files "+s+" /.git/config", "fail")
		want(t, got, "http.exposed-files "+s+" /.git/index", "fail")
		want(t, got, "http.exposed-files "+s+" /.git/logs/HEAD", "fail")
		want(t, got, "http.info-disclosure "+s+" header:Server", "fail")
	})
}

// nginx autoindex in JSON, XML and HTML, each linked from "/".
func TestLabNginxAutoindexFormats(t *testing.T) {
	each(t, "webnginxfmt", 80, func(got map[string]string, s string) {
		want(t, got, "http.directory-listing "+s+" /data/", "fail")
		want(t, got, "http.directory-listing "+s+" /feeds/", "fail")
		want(t, got, "http.directory-listing "+s+" /media/", "fail")
		want(t, got, "http.directory-listing "+s+" /data/2026/", "fail") // named in the JSON listing, not linked
		want(t, got, "http.directory-listing "+s+" /", "")
		onlyFails(t, got, "http.directory-listing", s, "/data/", "/feeds/", "/media/", "/data/2026/", "/media/photos/")
	})
}

// A 200 soft-404 with a fresh nonce in every answer: the one real file
// is found, no page is taken for a backup copy.
func TestLabNonceSoft404(t *testing.T) {
	each(t, "webnonce", 80, func(got map[string]string, s string) {
		want(t, got, "http.exposed-files "+s+" /.env", "fail")
		onlyFails(t, got, "http.exposed-files", s, "/.env")
		onlyFails(t, got, "http.directory-listing", s)
	})
}

// npm http-server and serve list a folder with a pg_dump in it.
func TestLabNpmServers(t *testing.T) {
	for _, port := range []uint16{8080, 3000} {
		each(t, "webnpm", port, func(got map[string]string, s string) {
			want(t, got, "http.directory-listing "+s+" /", "fail")
			want(t, got, "http.directory-listing "+s+" /exports/", "fail")
			want(t, got, "http.exposed-files "+s+" /exports/db.sql", "fail")
		})
	}
}

// busybox httpd with editor, backup and VCS files left behind.
func TestLabLeftBehind(t *testing.T) {
	each(t, "webbusybox", 80, func(got map[string]string, s string) {
		for _, p := range []string{"/dump.sql.gz", "/index.html~", "/.index.html.swp", "/wp-config.php.bak",
			"/.git/logs/HEAD", "/CVS/Entries", "/CVS/Root", "/.bzr/branch-format"} {
			want(t, got, "http.exposed-files "+s+" "+p, "fail")
		}
		onlyFails(t, got, "http.directory-listing", s)
	})
}
