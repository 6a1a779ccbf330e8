package vulnfeed

import "strings"

// Compare orders version strings the way banners and feeds print them:
// runs of digits compare as numbers, other runs as text, and a missing
// part sorts first ("9.2" < "9.2p1" < "9.3", "1.22.1" < "1.22.10"). It
// is a total order, so range checks never contradict themselves.
func Compare(a, b string) int {
	pa, pb := parts(a), parts(b)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		switch {
		case i >= len(pa):
			return -1
		case i >= len(pb):
			return 1
		}
		if c := comparePart(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return 0
}

// parts splits on separators (. - _ + ~ :) and between digit and letter runs.
func parts(s string) []string {
	var out []string
	cur := strings.Builder{}
	digit := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case strings.IndexByte(".-_+~:", ch) >= 0:
			flush()
			continue
		case cur.Len() > 0 && (ch >= '0' && ch <= '9') != digit:
			flush()
		}
		digit = ch >= '0' && ch <= '9'
		cur.WriteByte(ch)
	}
	flush()
	return out
}

// comparePart compares numeric runs by value without converting them (no
// overflow on a 30-digit build number), and ranks a number above text so
// a release sorts after its pre-release at the same position.
func comparePart(a, b string) int {
	ad, bd := isDigits(a), isDigits(b)
	switch {
	case ad && bd:
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			if len(a) < len(b) {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	case ad:
		return 1 // "1.0.1" > "1.0.beta"
	case bd:
		return -1
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

// isDigits reports a non-empty run of ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
