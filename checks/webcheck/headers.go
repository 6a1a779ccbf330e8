package webcheck

import (
	"strconv"
	"strings"
)

// ParseCSP splits a Content-Security-Policy value into directives (lower
// case names) and their source lists. Later duplicates are ignored, as
// CSP3 §2.2.1 says.
func ParseCSP(v string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(v, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, dup := out[name]; dup {
			continue
		}
		out[name] = f[1:]
	}
	return out
}

// HSTS is a parsed Strict-Transport-Security value.
type HSTS struct {
	MaxAge            int64
	IncludeSubDomains bool
	Preload           bool
}

// ParseHSTS parses Strict-Transport-Security (RFC 6797 §6.1). ok is false
// when max-age is missing, repeated or malformed: the browser then ignores
// the header.
func ParseHSTS(v string) (h HSTS, ok bool) {
	seen := map[string]bool{}
	for _, d := range strings.Split(v, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if seen[name] {
			return HSTS{}, false
		}
		seen[name] = true
		switch name {
		case "max-age":
			val = strings.Trim(strings.TrimSpace(val), `"`)
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 {
				return HSTS{}, false
			}
			h.MaxAge = n
		case "includesubdomains":
			h.IncludeSubDomains = true
		case "preload":
			h.Preload = true
		}
	}
	return h, seen["max-age"]
}
