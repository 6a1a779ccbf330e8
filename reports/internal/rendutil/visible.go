package rendutil

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Visible makes text from the network safe to show as text: CR LF and LF
// stay line breaks and tabs stay tabs, every other control character
// becomes its visible Control Pictures symbol (U+2400 block) or a \xNN /
// \uNNNN escape, and the bidirectional overrides that could reorder what a
// reader sees ("Trojan Source") are shown escaped. Invalid UTF-8 becomes
// \xNN per byte.
func Visible(s string) string {
	if !needsVisible(s) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n', r == '\t':
			b.WriteRune(r)
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune('\u2421')
		case r >= 0x80 && r < 0xa0, isBidiControl(r), r == '\u2028', r == '\u2029', r == '\ufeff':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// needsVisible is Visible's fast path: text with nothing to show
// differently is returned as it is. It must name every rune Visible
// changes, or that rune would slip through unescaped.
func needsVisible(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == utf8.RuneError ||
			isBidiControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return true
		}
	}
	return false
}

// isBidiControl is a Unicode bidirectional formatting character: the
// embeddings and overrides (U+202A-202E), the isolates (U+2066-2069), the
// LRM/RLM marks and the Arabic letter mark (U+061C), the characters the
// "Trojan Source" attack (CVE-2021-42574) hides text with.
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' || r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// OneLine is Visible with line breaks and tabs folded to spaces, for
// headings, table cells and list items.
func OneLine(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\t", " ").Replace(s)
	return Visible(s)
}
