package mailscan

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"shindan/scanners"
)

// spfTerm is one parsed term of an SPF record (RFC 7208 §4.6.1, §5, §6):
// the payload's SPFTerm plus what evaluation needs.
type spfTerm struct {
	scanners.SPFTerm
	// Domain is the domain-spec ("" when the term has none: the current
	// domain applies). Macro says it holds a macro-expand, so it names no
	// domain until a message is known.
	Domain string
	Macro  bool
}

// mechanisms of §5; the bool says whether the mechanism queries DNS
// (§4.6.4).
var spfMechanisms = map[string]bool{"all": false, "include": true, "a": true, "mx": true, "ptr": true,
	"ip4": false, "ip6": false, "exists": true}

// ParseSPF splits an SPF record into terms and reports every syntax error
// (each one is a permerror, RFC 7208 §4.6). It does no I/O.
func ParseSPF(rec string) ([]scanners.SPFTerm, []string) {
	ts, errs := parseSPF(rec)
	out := make([]scanners.SPFTerm, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.SPFTerm)
	}
	return out, errs
}

// parseSPF is ParseSPF keeping the domain-specs the walk follows. It
// collects every error rather than stopping at the first, so a report
// names all that must be fixed in one pass.
func parseSPF(rec string) (terms []spfTerm, errs []string) {
	if len(rec) > MaxRecord {
		return nil, []string{fmt.Sprintf("record longer than %d bytes", MaxRecord)}
	}
	if !IsSPF(rec) {
		return nil, []string{"record does not start with v=spf1"}
	}
	// §3.1, §4.6.1: a record is 7-bit ASCII and terms are separated by
	// spaces only; any other byte is a syntax error, not a separator.
	for i := 0; i < len(rec); i++ {
		if c := rec[i]; c < 0x20 || c > 0x7e {
			return nil, []string{fmt.Sprintf("byte 0x%02x at offset %d: SPF records are printable 7-bit ASCII separated by spaces (RFC 7208 3.1, 4.6.1)", c, i)}
		}
	}
	seen := map[string]bool{}
	for _, f := range strings.Split(rec, " ")[1:] {
		if f == "" {
			continue // 1*SP between terms, *SP at the end
		}
		if t, isMod, err := parseModifier(f); isMod {
			if err != "" {
				errs = append(errs, err)
				continue
			}
			if (t.Name == "redirect" || t.Name == "exp") && seen[t.Name] {
				errs = append(errs, "modifier "+t.Name+" appears more than once (RFC 7208 6)")
			}
			seen[t.Name] = true
			terms = append(terms, t)
			continue
		}
		t, err := parseMechanism(f)
		if err != "" {
			errs = append(errs, err)
			continue
		}
		terms = append(terms, t)
	}
	return terms, errs
}

// parseModifier reads name "=" value when the '=' comes before any ':' or
// '/' (§4.6.1); isMod is false for a mechanism.
func parseModifier(f string) (t spfTerm, isMod bool, err string) {
	i := strings.IndexAny(f, "=:/")
	if i < 0 || f[i] != '=' {
		return t, false, ""
	}
	name, val := strings.ToLower(f[:i]), f[i+1:]
	if !modifierName(name) {
		return t, true, fmt.Sprintf("%q: a modifier name starts with a letter and holds letters, digits, -, _ and . (RFC 7208 A)", f)
	}
	t = spfTerm{SPFTerm: scanners.SPFTerm{Name: name, Value: val, Modifier: true}}
	switch name {
	case "redirect", "exp":
		if val == "" {
			return t, true, name + "= without a domain (RFC 7208 6.1, 6.2)"
		}
		macro, e := domainSpec(val)
		if e != "" {
			return t, true, name + "=" + val + ": " + e
		}
		t.Domain, t.Macro = val, macro
	default:
		// unknown-modifier = name "=" macro-string: ignored, but its
		// macros must parse.
		if _, e := macroString(val, false); e != "" {
			return t, true, f + ": " + e
		}
	}
	return t, true, ""
}

// modifierName is the ABNF name of RFC 7208 §4.6.1 (collected in
// Appendix A): ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
func modifierName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !isDigit(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// parseMechanism reads [qualifier] name [":" domain-spec] [cidr] per §5.
func parseMechanism(f string) (spfTerm, string) {
	t := spfTerm{SPFTerm: scanners.SPFTerm{Qualifier: "+"}}
	raw := f
	if strings.ContainsRune("+-~?", rune(f[0])) {
		t.Qualifier, f = f[:1], f[1:]
	}
	end := strings.IndexAny(f, ":/")
	if end < 0 {
		end = len(f)
	}
	t.Name, t.Value = strings.ToLower(f[:end]), strings.TrimPrefix(f[end:], ":")
	rest := f[end:]
	if _, ok := spfMechanisms[t.Name]; !ok {
		return t, fmt.Sprintf("unknown mechanism %q (RFC 7208 5)", raw)
	}
	hasDomain := strings.HasPrefix(rest, ":")
	arg := strings.TrimPrefix(rest, ":")
	switch t.Name {
	case "all":
		if rest != "" {
			return t, fmt.Sprintf("%q: all takes no argument and no CIDR length (RFC 7208 5.1)", raw)
		}
	case "include", "exists":
		// "include" ":" domain-spec: no CIDR length, no implicit domain.
		if !hasDomain || arg == "" {
			return t, fmt.Sprintf("%q: %s needs \":\" and a domain (RFC 7208 5.2, 5.7)", raw, t.Name)
		}
		macro, e := domainSpec(arg)
		if e != "" {
			return t, fmt.Sprintf("%q: %s", raw, e)
		}
		t.Domain, t.Macro = arg, macro
	case "ptr":
		if rest == "" {
			break
		}
		if !hasDomain || arg == "" {
			return t, fmt.Sprintf("%q: ptr takes an optional \":\" domain and no CIDR length (RFC 7208 5.5)", raw)
		}
		macro, e := domainSpec(arg)
		if e != "" {
			return t, fmt.Sprintf("%q: %s", raw, e)
		}
		t.Domain, t.Macro = arg, macro
	case "a", "mx":
		dom, cidr := "", rest
		if hasDomain {
			dom, cidr = splitDualCIDR(arg)
			if dom == "" {
				return t, fmt.Sprintf("%q: %s: with an empty domain (RFC 7208 5.3, 5.4)", raw, t.Name)
			}
			macro, e := domainSpec(dom)
			if e != "" {
				return t, fmt.Sprintf("%q: %s", raw, e)
			}
			t.Domain, t.Macro = dom, macro
		}
		if e := dualCIDR(cidr); e != "" {
			return t, fmt.Sprintf("%q: %s", raw, e)
		}
	case "ip4", "ip6":
		if !hasDomain || arg == "" {
			return t, fmt.Sprintf("%q: %s needs \":\" and a network (RFC 7208 5.6)", raw, t.Name)
		}
		if e := ipNetwork(arg, t.Name == "ip4"); e != "" {
			return t, fmt.Sprintf("%q: %s", raw, e)
		}
	}
	return t, ""
}

// splitDualCIDR splits "domain[/n][//m]" into the domain-spec and the CIDR
// suffix. A domain-spec may contain '/', so only a trailing well-formed
// suffix counts as CIDR lengths ("foo:bar/baz.example.com" is a domain).
func splitDualCIDR(s string) (dom, cidr string) {
	// The longest suffix of "/"digits and "//"digits groups.
	i := len(s)
	for n := 0; n < 2; n++ {
		j := i
		for j > 0 && isDigit(s[j-1]) {
			j--
		}
		if j == i || j == 0 || s[j-1] != '/' {
			break
		}
		j--
		if j > 0 && s[j-1] == '/' {
			j--
		}
		i = j
	}
	return s[:i], s[i:]
}

// dualCIDR validates [ "/" ip4-cidr ] [ "//" ip6-cidr ] (§5.3, §5.4):
// 0-32 and 0-128, no leading zeros.
func dualCIDR(s string) string {
	if s == "" {
		return ""
	}
	v4, v6 := s, ""
	if i := strings.Index(s, "//"); i >= 0 {
		v4, v6 = s[:i], s[i+2:]
		if v6 == "" || !cidrLen(v6, 128) {
			return fmt.Sprintf("ip6 CIDR length %q is not 0-128 (RFC 7208 5.6)", "/"+v6)
		}
	}
	if v4 == "" {
		return ""
	}
	if !strings.HasPrefix(v4, "/") || !cidrLen(v4[1:], 32) {
		return fmt.Sprintf("CIDR length %q is not /0-32 or //0-128 (RFC 7208 5.6)", s)
	}
	return ""
}

// cidrLen checks a CIDR length as the ABNF of RFC 7208 §5.6 writes it:
// decimal without leading zeros ("/024" is a syntax error, not 24), at
// most max.
func cidrLen(s string, max int) bool {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	n, err := strconv.Atoi(s)
	return err == nil && n <= max
}

// ipNetwork validates ip4-network [ip4-cidr] or ip6-network [ip6-cidr]
// (§5.6): a full address of the right family, no zone, one CIDR length.
func ipNetwork(s string, four bool) string {
	addr, l, hasLen := strings.Cut(s, "/")
	a, err := netip.ParseAddr(addr)
	switch {
	case err != nil || a.Zone() != "":
		return fmt.Sprintf("%q is not an IPv%s address (RFC 7208 5.6)", addr, map[bool]string{true: "4", false: "6"}[four])
	case four && !a.Is4(), !four && !a.Is6():
		return fmt.Sprintf("%q is not an IPv%s address (RFC 7208 5.6)", addr, map[bool]string{true: "4", false: "6"}[four])
	}
	if !hasLen {
		return ""
	}
	max := 128
	if four {
		max = 32
	}
	if !cidrLen(l, max) {
		return fmt.Sprintf("CIDR length %q is not 0-%d (RFC 7208 5.6)", "/"+l, max)
	}
	return ""
}

// domainSpec validates a domain-spec (§7.1): a macro-string that ends in
// a macro-expand or in "." toplabel ["."]. macro reports a macro-expand
// in it. A literal name must also be a DNS name (no empty label, labels
// of at most 63 bytes), or no query can be built from it.
func domainSpec(s string) (macro bool, err string) {
	macro, e := macroString(s, false)
	if e != "" {
		return macro, e
	}
	// domain-end: the trailing literal run after the last macro-expand.
	tail, endsInMacro := literalTail(s)
	if endsInMacro {
		return macro, ""
	}
	tail = strings.TrimSuffix(tail, ".")
	dot := strings.LastIndexByte(tail, '.')
	if dot < 0 {
		return macro, fmt.Sprintf("domain %q does not end in \".\" and a top label (RFC 7208 7.1)", s)
	}
	if !topLabel(tail[dot+1:]) {
		return macro, fmt.Sprintf("domain %q: top label %q must be letters, digits and inner dashes, not all digits (RFC 7208 7.1)", s, tail[dot+1:])
	}
	if !macro {
		name := strings.TrimSuffix(s, ".")
		if len(name) > 253 {
			return macro, fmt.Sprintf("domain %q is longer than 253 bytes", clipText(s, 80))
		}
		for _, l := range strings.Split(name, ".") {
			if l == "" || len(l) > 63 {
				return macro, fmt.Sprintf("domain %q has an empty label or one longer than 63 bytes (RFC 1035)", clipText(s, 80))
			}
		}
	}
	return macro, ""
}

// literalTail returns the literal text after the last macro-expand of a
// valid macro-string, and whether the string ends in a macro-expand.
func literalTail(s string) (string, bool) {
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if s[i+1] == '{' {
			i += strings.IndexByte(s[i:], '}')
		} else {
			i++
		}
		last = i + 1
	}
	if last == len(s) && last > 0 {
		return "", true
	}
	return s[last:], false
}

// topLabel is ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-"
// *( alphanum / "-" ) alphanum ) (§7.1).
func topLabel(l string) bool {
	if l == "" || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	alpha, dash := false, false
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case isAlpha(c):
			alpha = true
		case c == '-':
			dash = true
		case !isDigit(c):
			return false
		}
	}
	return alpha || dash
}

// macroString checks macro syntax (§7.1): every '%' starts "%%", "%_",
// "%-" or "%{" letter *DIGIT ["r"] *delimiter "}". Letters are s l o d
// i p h v; c r t only in explanation text (exp=true). It reports whether
// the string holds a macro-expand.
func macroString(s string, exp bool) (bool, string) {
	macro := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			continue
		}
		macro = true
		if i+1 == len(s) {
			return macro, fmt.Sprintf("%q ends in a lone %% (RFC 7208 7.1)", s)
		}
		switch s[i+1] {
		case '%', '_', '-':
			i++
			continue
		case '{':
		default:
			return macro, fmt.Sprintf("%q: %%%c is not a macro; write %%%% for a literal %% (RFC 7208 7.1)", s, s[i+1])
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return macro, fmt.Sprintf("%q: macro without a closing } (RFC 7208 7.1)", s)
		}
		body := s[i+2 : i+end]
		if e := macroBody(body, exp); e != "" {
			return macro, fmt.Sprintf("%q: %%{%s}: %s (RFC 7208 7.1)", s, body, e)
		}
		i += end
	}
	return macro, ""
}

// macroBody checks what is between %{ and }: a macro letter, an optional
// non-zero label count, an optional "r" (reverse) and delimiters
// (RFC 7208 §7.1). c, r and t (the client address in readable form, the
// checking host, the time) are allowed only in exp= explanation text.
func macroBody(b string, exp bool) string {
	if b == "" {
		return "no macro letter"
	}
	switch l := b[0] | 0x20; l {
	case 's', 'l', 'o', 'd', 'i', 'p', 'h', 'v':
	case 'c', 'r', 't':
		if !exp {
			return fmt.Sprintf("macro letter %c is allowed only in explanation text", b[0])
		}
	default:
		return fmt.Sprintf("%q is not a macro letter", b[0])
	}
	rest := b[1:]
	digits := 0
	for digits < len(rest) && isDigit(rest[digits]) {
		digits++
	}
	if digits > 0 {
		n, err := strconv.Atoi(rest[:digits])
		if err != nil || n == 0 || n > 128 {
			return fmt.Sprintf("label count %q must be 1-128", rest[:digits])
		}
	}
	rest = rest[digits:]
	if rest != "" && rest[0]|0x20 == 'r' {
		rest = rest[1:]
	}
	for i := 0; i < len(rest); i++ {
		if !strings.ContainsRune(".-+,/_=", rune(rest[i])) {
			return fmt.Sprintf("%q is not a delimiter (. - + , / _ =)", rest[i])
		}
	}
	return ""
}

// isAlpha and isDigit are the ASCII ALPHA and DIGIT of RFC 5234: SPF
// syntax is ASCII, so unicode classes would accept what the ABNF refuses.
func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// clipText shortens a hostile record's text inside an error message, so a
// 4 KiB label cannot fill a finding.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// unescapeTXT turns miekg/dns's presentation escapes in a TXT string
// ("\DDD" for unprintable bytes, "\X" for quote and backslash) back into
// the bytes on the wire, so the record checks see what was published.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			if n, err := strconv.Atoi(s[i+1 : i+4]); err == nil && n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}
