// Package mailscan reads a mail domain's DNS data: MX, SPF (with
// include/redirect recursion and the RFC 7208 lookup limits), DMARC (with
// organisational-domain fallback), DKIM keys, MTA-STS, TLS-RPT and DANE
// TLSA. All queries go to one resolver through Env.DialContext.
package mailscan

import (
	"fmt"
	"net/netip"
	"strings"

	"shindan/scanners"
)

// MaxRecord bounds a TXT record the parsers look at.
const MaxRecord = 4096

// IsSPF reports whether a TXT string is an SPF record (RFC 7208 4.5:
// "v=spf1" followed by a space or the end).
func IsSPF(txt string) bool {
	l := strings.ToLower(txt)
	return l == "v=spf1" || strings.HasPrefix(l, "v=spf1 ")
}

var spfMechanisms = map[string]bool{"all": true, "include": true, "a": true, "mx": true, "ptr": true,
	"ip4": true, "ip6": true, "exists": true}

// ParseSPF splits an SPF record into terms and reports syntax errors. It
// does no I/O.
func ParseSPF(rec string) (terms []scanners.SPFTerm, errs []string) {
	if len(rec) > MaxRecord {
		return nil, []string{fmt.Sprintf("record longer than %d bytes", MaxRecord)}
	}
	if !IsSPF(rec) {
		return nil, []string{"record does not start with v=spf1"}
	}
	seen := map[string]bool{}
	for _, f := range strings.Fields(rec)[1:] {
		if i := strings.IndexByte(f, '='); i > 0 && !strings.ContainsAny(f[:i], ":/") {
			name := strings.ToLower(f[:i])
			if !validName(name) {
				errs = append(errs, fmt.Sprintf("bad modifier name in %q", f))
				continue
			}
			if (name == "redirect" || name == "exp") && seen[name] {
				errs = append(errs, "modifier "+name+" appears more than once")
			}
			seen[name] = true
			if (name == "redirect" || name == "exp") && f[i+1:] == "" {
				errs = append(errs, "modifier "+name+" without a domain")
			}
			terms = append(terms, scanners.SPFTerm{Name: name, Value: f[i+1:], Modifier: true})
			continue
		}
		t := scanners.SPFTerm{Qualifier: "+"}
		if strings.ContainsRune("+-~?", rune(f[0])) {
			t.Qualifier, f = f[:1], f[1:]
		}
		name, val, hasVal := f, "", false
		if i := strings.IndexAny(f, ":/"); i >= 0 {
			name, val, hasVal = f[:i], f[i:], true
			val = strings.TrimPrefix(val, ":")
		}
		t.Name, t.Value = strings.ToLower(name), val
		if !spfMechanisms[t.Name] {
			errs = append(errs, fmt.Sprintf("unknown mechanism %q", f))
			continue
		}
		switch t.Name {
		case "all":
			if hasVal {
				errs = append(errs, "all takes no argument")
			}
		case "include", "exists":
			if val == "" {
				errs = append(errs, t.Name+" without a domain")
			}
		case "ip4":
			if !validNet(val, true) {
				errs = append(errs, fmt.Sprintf("bad ip4 value %q", val))
			}
		case "ip6":
			if !validNet(val, false) {
				errs = append(errs, fmt.Sprintf("bad ip6 value %q", val))
			}
		}
		terms = append(terms, t)
	}
	return terms, errs
}

func validName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func validNet(v string, four bool) bool {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		return err == nil && p.Addr().Is4() == four
	}
	a, err := netip.ParseAddr(v)
	return err == nil && a.Is4() == four
}

// dmarcTags are the tags of RFC 7489 6.3.
var dmarcTags = map[string]bool{"v": true, "p": true, "sp": true, "rua": true, "ruf": true, "adkim": true,
	"aspf": true, "fo": true, "pct": true, "rf": true, "ri": true}

// ParseDMARC parses a DMARC record into tags and validates them. The
// record must start with "v=DMARC1" exactly (no leading space), p must be
// the second tag and take none, quarantine or reject.
func ParseDMARC(rec string) (tags map[string]string, errs []string) {
	if len(rec) > MaxRecord {
		return nil, []string{fmt.Sprintf("record longer than %d bytes", MaxRecord)}
	}
	tags = map[string]string{}
	var order []string
	for _, part := range strings.Split(rec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || k == "" {
			errs = append(errs, fmt.Sprintf("malformed tag %q", part))
			continue
		}
		if _, dup := tags[k]; dup {
			errs = append(errs, "duplicate tag "+k)
		}
		if !dmarcTags[k] {
			errs = append(errs, "unknown tag "+k)
		}
		tags[k] = v
		order = append(order, k)
	}
	if !strings.HasPrefix(rec, "v=DMARC1") || len(order) == 0 || order[0] != "v" || tags["v"] != "DMARC1" {
		errs = append(errs, "record must start with v=DMARC1")
	}
	p, ok := tags["p"]
	switch {
	case !ok:
		errs = append(errs, "required tag p is missing")
	case len(order) < 2 || order[1] != "p":
		errs = append(errs, "tag p must follow v")
	}
	if ok && !policyValue(p) {
		errs = append(errs, fmt.Sprintf("p=%q is not none, quarantine or reject", p))
	}
	if sp, ok := tags["sp"]; ok && !policyValue(sp) {
		errs = append(errs, fmt.Sprintf("sp=%q is not none, quarantine or reject", sp))
	}
	for _, k := range []string{"adkim", "aspf"} {
		if v, ok := tags[k]; ok && v != "r" && v != "s" {
			errs = append(errs, fmt.Sprintf("%s=%q is not r or s", k, v))
		}
	}
	if v, ok := tags["pct"]; ok {
		n := 0
		_, err := fmt.Sscanf(v, "%d", &n)
		if err != nil || n < 0 || n > 100 || fmt.Sprint(n) != v {
			errs = append(errs, fmt.Sprintf("pct=%q is not 0-100", v))
		}
	}
	for _, k := range []string{"rua", "ruf"} {
		if v, ok := tags[k]; ok {
			for _, u := range strings.Split(v, ",") {
				if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(u)), "mailto:") {
					errs = append(errs, fmt.Sprintf("%s URI %q is not mailto:", k, u))
				}
			}
		}
	}
	return tags, errs
}

func policyValue(v string) bool {
	switch strings.ToLower(v) {
	case "none", "quarantine", "reject":
		return true
	}
	return false
}

// ParseTagList parses a DKIM/MTA-STS style "k=v; k=v" list.
func ParseTagList(rec string) map[string]string {
	tags := map[string]string{}
	if len(rec) > MaxRecord {
		return tags
	}
	for _, part := range strings.Split(rec, ";") {
		k, v, ok := strings.Cut(part, "=")
		if ok {
			tags[strings.ToLower(strings.TrimSpace(k))] = strings.Join(strings.Fields(v), "")
		}
	}
	return tags
}
