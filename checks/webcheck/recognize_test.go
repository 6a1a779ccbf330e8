package webcheck

import (
	"testing"

	"shindan/scanners"
)

func TestRobotsExcludesAll(t *testing.T) {
	cases := map[string]bool{
		"User-agent: *\nDisallow: /\n":                           true,
		"User-agent: *\nDisallow: /private/\n":                   false,
		"User-agent: badbot\nDisallow: /\n":                      false,
		"User-agent: badbot\nUser-agent: *\nDisallow: /\n":       true,
		"User-agent: *\nDisallow: /\nAllow: /\n":                 false,
		"User-agent: *\nDisallow:\n\nUser-agent: x\nDisallow: /": false,
		"# nothing\n": false,
	}
	for in, want := range cases {
		if got := RobotsExcludesAll([]byte(in)); got != want {
			t.Errorf("%q: got %v", in, got)
		}
	}
}

func TestVerifyKind(t *testing.T) {
	cases := []struct {
		kind, path, body string
		want             bool
	}{
		{"git-head", "/.git/HEAD", "ref: refs/heads/main\n", true},
		{"git-head", "/.git/HEAD", "<html>not found</html>", false},
		{"dotenv", "/.env", "APP_KEY=x\nDB_PASSWORD=y\n", true},
		{"dotenv", "/.env", "<!doctype html><p>A=B</p>", false},
		{"backup", "/index.php.bak", "<?php echo 1;", true},
		{"backup", "/index.php.bak", "<html>", false},
		{"server-status", "/server-status", "<h1>Apache Server Status for x</h1>", true},
		{"phpinfo", "/phpinfo.php", "<title>PHP 8.2.7 - phpinfo()</title>", true},
		{"archive", "/backup.zip", "PK\x03\x04rest", true},
	}
	for _, tc := range cases {
		e := x(tc.path, 200, tc.body)
		if _, got := VerifyKind(tc.kind, &e); got != tc.want {
			t.Errorf("%s %q: got %v", tc.kind, tc.body, got)
		}
		e.Soft404 = true
		if _, got := VerifyKind(tc.kind, &e); got {
			t.Errorf("%s: soft-404 matched", tc.kind)
		}
	}
	e := x("/manager/html", 401, "", "WWW-Authenticate", `Basic realm="Tomcat Manager Application"`)
	if _, ok := VerifyKind("admin-console", &e); !ok {
		t.Error("tomcat manager prompt not recognised")
	}
}

func TestParseHeaders(t *testing.T) {
	if h, ok := ParseHSTS("max-age=31536000; includeSubDomains"); !ok || h.MaxAge != 31536000 || !h.IncludeSubDomains {
		t.Errorf("hsts %+v %v", h, ok)
	}
	for _, bad := range []string{"", "includeSubDomains", "max-age=1; max-age=2", "max-age=x"} {
		if _, ok := ParseHSTS(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if c := ParseCSP("default-src 'self'; frame-ancestors 'none'; FRAME-ANCESTORS *"); len(c["frame-ancestors"]) != 1 || c["frame-ancestors"][0] != "'none'" {
		t.Errorf("csp %v", c)
	}
}

func FuzzParseHSTS(f *testing.F) {
	f.Add("max-age=31536000; includeSubDomains; preload")
	f.Fuzz(func(t *testing.T, s string) {
		if h, ok := ParseHSTS(s); ok && h.MaxAge < 0 {
			t.Fatalf("negative max-age %d", h.MaxAge)
		}
		ParseCSP(s)
	})
}

func FuzzRobots(f *testing.F) {
	f.Add([]byte("User-agent: *\nDisallow: /\n"))
	f.Fuzz(func(t *testing.T, b []byte) { RobotsExcludesAll(b) })
}

func FuzzVerifyKind(f *testing.F) {
	f.Add("git-head", []byte("ref: refs/heads/main"))
	f.Fuzz(func(t *testing.T, k string, b []byte) {
		e := scanners.HTTPExchange{Path: "/x.php.bak", Status: 200, Body: b}
		VerifyKind(k, &e)
	})
}

func FuzzSecurityTxt(f *testing.F) {
	f.Add([]byte("Contact: mailto:a@b\nExpires: 2027-01-01T00:00:00Z\n"))
	f.Fuzz(func(t *testing.T, b []byte) { SecurityTxtFields(b) })
}
