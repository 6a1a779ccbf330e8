// Package targets turns what the user typed (addresses, CIDRs, ranges,
// names, URLs, files) into the scan's host set and scope. Exclusions always
// win; an IPv6 prefix shorter than /112 is put in scope but never walked
// address by address.
package targets

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Kind says what a target token is.
type Kind int

// Target kinds.
const (
	KindAddr Kind = iota
	KindPrefix
	KindRange
	KindName
)

// Spec is one parsed target token.
type Spec struct {
	Raw    string // as given
	Kind   Kind
	Addr   netip.Addr   // KindAddr
	Prefix netip.Prefix // KindPrefix
	First  netip.Addr   // KindRange
	Last   netip.Addr   // KindRange
	Name   string       // KindName: lower-case, no trailing dot
	Port   uint16       // from a URL, or host:port
	URL    string       // the URL when the token was one
	Source string       // "file:line" or "arg"
}

// ParseError is a rejected target with its origin.
type ParseError struct {
	Source string // "targets.txt:12", "argument 3", "--exclude"
	Token  string
	Reason string
}

// Error names the origin first, so a bad line in a 10,000-line target
// file is found by its file:line.
func (e *ParseError) Error() string {
	return fmt.Sprintf("targets: %s: %q: %s", e.Source, e.Token, e.Reason)
}

// labelRe is one lower-cased host-name label: at most 63 octets
// (RFC 1035 §2.3.4) of letters, digits, "-" and "_", not starting with
// "-" and ending in a letter or digit (RFC 1123 §2.1 relaxed for "_").
var labelRe = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?$`)

// Parse parses one token. source names where it came from for errors.
func Parse(tok, source string) (Spec, error) {
	raw := tok
	tok = strings.TrimSpace(tok)
	bad := func(reason string) (Spec, error) {
		return Spec{}, &ParseError{Source: source, Token: raw, Reason: reason}
	}
	if tok == "" {
		return bad("empty target")
	}
	sp := Spec{Raw: tok, Source: source}
	if strings.Contains(tok, "://") {
		u, err := url.Parse(tok)
		if err != nil || u.Host == "" {
			return bad("not a valid URL")
		}
		if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "smtp" && u.Scheme != "ftp" {
			return bad("URL scheme must be http, https, smtp or ftp")
		}
		// u.Host keeps the brackets of an IPv6 literal ("[::1]:8443");
		// Parse takes it as it would from the command line.
		inner, err := Parse(u.Host, source)
		if err != nil {
			return bad("URL host: " + err.(*ParseError).Reason)
		}
		if inner.Kind != KindAddr && inner.Kind != KindName {
			return bad("a URL names one host")
		}
		if inner.Port == 0 {
			inner.Port = map[string]uint16{"http": 80, "https": 443, "smtp": 25, "ftp": 21}[u.Scheme]
		}
		inner.Raw, inner.URL = tok, tok
		return inner, nil
	}
	// host:port and [v6]:port
	if ap, err := netip.ParseAddrPort(tok); err == nil {
		if ap.Port() == 0 {
			return bad("port 0")
		}
		sp.Kind, sp.Addr, sp.Port = KindAddr, ap.Addr().Unmap().WithZone(""), ap.Port()
		return sp, nil
	}
	// A bracketed IPv6 literal without a port, as URLs and mail
	// configuration write it: "[2001:db8::1]".
	bare := tok
	if strings.HasPrefix(bare, "[") && strings.HasSuffix(bare, "]") {
		bare = bare[1 : len(bare)-1]
		if a, err := netip.ParseAddr(bare); err != nil || !a.Is6() {
			return bad("brackets hold an IPv6 address")
		}
	}
	if a, err := netip.ParseAddr(bare); err == nil {
		if a.Zone() != "" {
			return bad("zoned (link-local) addresses need the segment profile and --iface")
		}
		sp.Kind, sp.Addr = KindAddr, a.Unmap()
		return sp, nil
	}
	if strings.Contains(tok, "/") {
		p, err := netip.ParsePrefix(tok)
		if err != nil {
			return bad("not a valid CIDR")
		}
		if p != p.Masked() {
			return bad(fmt.Sprintf("host bits set: did you mean %s?", p.Masked()))
		}
		sp.Kind, sp.Prefix = KindPrefix, p
		return sp, nil
	}
	if lo, hi, ok := strings.Cut(tok, "-"); ok && strings.ContainsAny(lo, ".:") && looksNumeric(lo) {
		first, err := netip.ParseAddr(lo)
		if err != nil {
			return bad("range start is not an address")
		}
		var last netip.Addr
		if n, err := strconv.ParseUint(hi, 10, 8); err == nil && first.Is4() {
			b := first.As4()
			b[3] = byte(n)
			last = netip.AddrFrom4(b)
		} else if last, err = netip.ParseAddr(hi); err != nil {
			return bad("range end is neither a last octet (0-255) nor an address")
		}
		if first.Is4() != last.Is4() {
			return bad("range mixes IPv4 and IPv6")
		}
		if last.Less(first) {
			return bad("range runs backwards")
		}
		sp.Kind, sp.First, sp.Last = KindRange, first, last
		return sp, nil
	}
	host := tok
	if h, p, ok := strings.Cut(tok, ":"); ok {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return bad("port must be 1-65535")
		}
		host, sp.Port = h, uint16(n)
	}
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if looksNumeric(name) {
		return bad("not a valid address")
	}
	if len(name) > 253 || !strings.Contains(name, ".") && name != "localhost" {
		return bad("not an address, CIDR, range or fully qualified host name")
	}
	for _, l := range strings.Split(name, ".") {
		if !labelRe.MatchString(l) {
			return bad(fmt.Sprintf("label %q is not a valid host name label", l))
		}
	}
	sp.Kind, sp.Name = KindName, name
	return sp, nil
}

// looksNumeric tells an address-like token from a host name: IPv6 has a
// colon, and an IPv4 form has only decimal labels.
func looksNumeric(s string) bool {
	if strings.Contains(s, ":") {
		return true
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || strings.Trim(l, "0123456789") != "" {
			return false
		}
	}
	return true
}

// maxLine bounds one line of a target file: anything longer is not a target.
const maxLine = 4096

// ParseReader parses a target list: one or more tokens per line separated by
// spaces or commas, '#' starts a comment. name is used in errors
// ("targets.txt:12"). It stops at the first bad token.
func ParseReader(r io.Reader, name string) ([]Spec, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	var out []Spec
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if line == 1 {
			// Editors on Windows start UTF-8 files with a byte order mark.
			text = strings.TrimPrefix(text, "\ufeff")
		}
		text, _, _ = strings.Cut(text, "#")
		for _, tok := range strings.FieldsFunc(text, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' }) {
			sp, err := Parse(tok, fmt.Sprintf("%s:%d", name, line))
			if err != nil {
				return nil, err
			}
			out = append(out, sp)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("targets: %s: %w (a line longer than %d bytes?)", name, err, maxLine)
	}
	return out, nil
}
