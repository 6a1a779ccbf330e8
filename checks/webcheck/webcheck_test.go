package webcheck

import (
	"slices"
	"strings"
	"testing"

	"shindan/scanners"
)

const nginxListing = "<html>\r\n<head><title>Index of /files/</title></head>\r\n<body>\r\n<h1>Index of /files/</h1><hr><pre><a href=\"../\">../</a>\r\n<a href=\"a.txt\">a.txt</a>                                              26-Nov-2026 10:00                   5\r\n</pre><hr></body>\r\n</html>\r\n"

func x(path string, status int, body string, hdr ...string) scanners.HTTPExchange {
	e := scanners.HTTPExchange{Method: "GET", Path: path, Request: "GET " + path + " HTTP/1.1", Status: status,
		StatusLine: "HTTP/1.1 " + itoa(status), Body: []byte(body), Headers: map[string][]string{}}
	for i := 0; i+1 < len(hdr); i += 2 {
		e.Headers[hdr[i]] = append(e.Headers[hdr[i]], hdr[i+1])
	}
	return e
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

// TestAdvertisedBounded: a hostile Allow header costs bounded text; the
// verdicts around the note are golden cases (testdata/http.methods).
func TestAdvertisedBounded(t *testing.T) {
	opts := func(allow ...string) *scanners.HTTPExchange {
		o := x("/", 200, "")
		o.Method, o.Request, o.Kind = "OPTIONS", "OPTIONS / HTTP/1.1", "options"
		o.Headers["Allow"] = allow
		return &o
	}
	s := &scanners.HTTPSite{Methods: []scanners.HTTPMethodTest{{Method: "TRACE", Path: "/"}}}
	s.Options = opts("<script>, X" + strings.Repeat("Y", 40) + ", " + strings.Repeat("M1, M2, M3, M4, M5, M6, M7, M8, M9, ", 5))
	tried, untried := advertised(s)
	if len(tried)+len(untried) != 9 || slices.Contains(untried, "<SCRIPT>") {
		t.Errorf("hostile allow: %v %v", tried, untried)
	}
	var many []string
	for i := range 40 {
		many = append(many, "M"+itoa(i+1))
	}
	s.Options = opts(strings.Join(many, ","))
	if _, untried := advertised(s); len(untried) != maxAdvertised {
		t.Errorf("bound: %d", len(untried))
	}
	// No OPTIONS answer: nothing to say.
	s.Options = &scanners.HTTPExchange{Method: "OPTIONS", Path: "/", Error: "timeout"}
	if _, ok := advertisedNote(s); ok {
		t.Error("note without an OPTIONS answer")
	}
}
