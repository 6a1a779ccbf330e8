package rendutil

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestVisible(t *testing.T) {
	cases := map[string]string{
		"plain 日本語":             "plain 日本語",
		"a\r\nb\nc\td":          "a\nb\nc\td",
		"bell\a esc\x1b[31m":    "bell␇ esc␛[31m",
		"cr\ralone":             "cr␍alone",
		"nul\x00 del\x7f":       "nul␀ del␡",
		"bad \xff\xfe utf8":     `bad \xff\xfe utf8`,
		"c1 \u0085 next":        `c1 \u0085 next`,
		"rtl \u202eevil\u202c":  `rtl \u202eevil\u202c`,
		"isolate \u2066x\u2069": `isolate \u2066x\u2069`,
	}
	for in, want := range cases {
		if got := Visible(in); got != want {
			t.Errorf("Visible(%q) = %q, want %q", in, got, want)
		}
	}
	if got := OneLine("a\r\nb\nc\td\x1b"); got != "a b c d␛" {
		t.Errorf("OneLine = %q", got)
	}
}

func FuzzVisible(f *testing.F) {
	f.Add("a\r\n\x1b\u202e\xff")
	f.Fuzz(func(t *testing.T, s string) {
		v := Visible(s)
		if !utf8.ValidString(v) {
			t.Fatalf("Visible(%q) is not UTF-8", s)
		}
		for _, r := range v {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || isBidiControl(r) {
				t.Fatalf("Visible(%q) = %q keeps control %U", s, v, r)
			}
		}
		if o := OneLine(s); strings.ContainsAny(o, "\n\t") {
			t.Fatalf("OneLine(%q) = %q has a line break", s, o)
		}
	})
}
