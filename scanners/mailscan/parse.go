// Package mailscan reads a mail domain's DNS data: MX, SPF (with
// include/redirect recursion and the RFC 7208 lookup limits), DMARC (with
// organisational-domain fallback), DKIM keys, MTA-STS, TLS-RPT and DANE
// TLSA. All queries go to one resolver through Env.DialContext.
package mailscan

import (
	"fmt"
	"strings"
)

// MaxRecord bounds a TXT record the parsers look at.
const MaxRecord = 4096

// IsSPF reports whether a TXT string is an SPF record (RFC 7208 4.5:
// "v=spf1" followed by a space or the end).
func IsSPF(txt string) bool {
	l := strings.ToLower(txt)
	return l == "v=spf1" || strings.HasPrefix(l, "v=spf1 ")
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

// policyValue is the p= and sp= vocabulary of RFC 7489 §6.3; with any
// other value receivers treat the domain as p=none at best (§6.6.3), so
// it is a syntax error.
func policyValue(v string) bool {
	switch strings.ToLower(v) {
	case "none", "quarantine", "reject":
		return true
	}
	return false
}

// ParseTagList parses a DKIM/MTA-STS style "k=v; k=v" list. Whitespace
// inside a value is dropped: a DKIM p= key may be folded (RFC 6376's
// base64string ABNF allows folding whitespace), and no tag read through
// here keeps spaces.
// An over-long record yields no tags rather than a partial parse.
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
