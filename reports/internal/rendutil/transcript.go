package rendutil

import "strings"

// Service transcripts keep each exchange on one "C:"/"S:" line and write
// the line ends the peer sent as \r\n; renderers break the line there so
// a multi-line reply reads as it was sent, keeping the marker.

// EOLPart is a piece of a transcript line up to and including one
// written-out line end.
type EOLPart struct{ Text, EOL string }

// SplitEOL cuts a transcript line after each written-out line end
// (\r\n, \n or \r) that is followed by more text; a trailing one stays with
// its part, so a line is never split into an empty tail.
func SplitEOL(line string) []EOLPart {
	var out []EOLPart
	for {
		i, n := -1, 0
		for _, m := range []string{`\r\n`, `\n`, `\r`} {
			if j := strings.Index(line, m); j >= 0 && (i < 0 || j < i) {
				i, n = j, len(m)
			}
		}
		if i < 0 {
			return append(out, EOLPart{Text: line})
		}
		out = append(out, EOLPart{Text: line[:i], EOL: line[i : i+n]})
		line = line[i+n:]
		if line == "" {
			return out
		}
	}
}
