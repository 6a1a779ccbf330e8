// Package vulnfeed reads an offline vulnerability feed that the user
// supplies (NVD CVE JSON 2.0 files or OSV records) and answers which
// entries affect a product version given as a CPE 2.3 name. It never
// downloads anything: a scan must not depend on, or leak its inventory to,
// a feed service (pitfalls §4.7, closed networks).
package vulnfeed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// MaxFileSize bounds one feed file. The yearly NVD files are about 50 MB
// uncompressed; a larger input is refused rather than read into memory.
const MaxFileSize = 256 << 20

// Vuln is one feed entry.
type Vuln struct {
	ID       string  // CVE-2023-38408, GHSA-…, OSV-…
	Summary  string  // English description, first sentence-ish, bounded
	Score    float64 // CVSS base score; 0 when the feed gives none
	Severity string  // critical, high, medium, low; "" when unknown
	Matches  []Match
}

// Match is one affected product and version range. Empty bounds are open.
type Match struct {
	Vendor, Product string // CPE vendor and product ("openbsd", "openssh"); Vendor "*" matches any
	Version         string // an exact affected version; "" when a range is given
	StartIncl       string
	StartExcl       string
	EndIncl         string
	EndExcl         string
}

// Feed is a loaded set of entries.
type Feed struct {
	Vulns []Vuln
	// Files and Digest name what was loaded, for the report.
	Files  []string
	Digest string
}

// Load reads every .json file named, directly or inside a named folder.
func Load(paths ...string) (*Feed, error) {
	f := &Feed{}
	h := sha256.New()
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("vulnfeed: %w", err)
		}
		files := []string{p}
		if st.IsDir() {
			files, err = filepath.Glob(filepath.Join(p, "*.json"))
			if err != nil {
				return nil, fmt.Errorf("vulnfeed: %w", err)
			}
			slices.Sort(files)
			if len(files) == 0 {
				return nil, fmt.Errorf("vulnfeed: %s: no .json feed files", p)
			}
		}
		for _, name := range files {
			b, err := readBounded(name)
			if err != nil {
				return nil, err
			}
			vs, err := Parse(b)
			if err != nil {
				return nil, fmt.Errorf("vulnfeed: %s: %w", name, err)
			}
			h.Write(b)
			f.Vulns = append(f.Vulns, vs...)
			f.Files = append(f.Files, name)
		}
	}
	// The digest covers the bytes of every file in load order; findings
	// cite it so a verdict can be traced to the feed that produced it.
	f.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
	return f, nil
}

// readBounded reads one feed file, refusing it past MaxFileSize: it reads
// one byte more than the limit instead of trusting Stat, so a pipe or a
// file that grows while read is bounded too.
func readBounded(name string) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("vulnfeed: %w", err)
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("vulnfeed: %s: %w", name, err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("vulnfeed: %s: larger than %d MB", name, MaxFileSize>>20)
	}
	return b, nil
}

// Parse reads one feed document: an NVD CVE API 2.0 response or yearly
// file ({"vulnerabilities": [...]}), one OSV record, or a JSON array of
// OSV records (an OSV export).
func Parse(b []byte) ([]Vuln, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, errors.New("empty feed")
	}
	if b[0] == '[' {
		var recs []osvRecord
		if err := json.Unmarshal(b, &recs); err != nil {
			return nil, fmt.Errorf("not an OSV array: %w", err)
		}
		var out []Vuln
		for i, r := range recs {
			v, err := r.vuln()
			if err != nil {
				return nil, fmt.Errorf("record %d: %w", i, err)
			}
			out = append(out, v)
		}
		return out, nil
	}
	var probe struct {
		Vulnerabilities json.RawMessage `json:"vulnerabilities"`
		Affected        json.RawMessage `json:"affected"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	switch {
	case probe.Vulnerabilities != nil:
		var doc nvdDoc
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("not an NVD CVE 2.0 document: %w", err)
		}
		return doc.vulns()
	case probe.Affected != nil:
		var r osvRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("not an OSV record: %w", err)
		}
		v, err := r.vuln()
		if err != nil {
			return nil, err
		}
		return []Vuln{v}, nil
	}
	return nil, errors.New(`neither an NVD CVE 2.0 document ("vulnerabilities") nor OSV ("affected")`)
}

// Lookup returns the entries that affect the product and version of a
// CPE 2.3 name, each once, in feed order.
func (f *Feed) Lookup(cpe string) []Vuln {
	c, ok := ParseCPE(cpe)
	// Without a concrete version every ranged entry of the product would
	// match: no version, no lookup (service.version reports it as info).
	if !ok || c.Version == "" || c.Version == "*" || c.Version == "-" {
		return nil
	}
	var out []Vuln
	for _, v := range f.Vulns {
		for _, m := range v.Matches {
			if m.affects(c) {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// CPE is the part of a CPE 2.3 formatted string that matching uses.
type CPE struct{ Part, Vendor, Product, Version string }

// ParseCPE splits "cpe:2.3:a:vendor:product:version:update:…". An update
// other than "*" or "-" is joined to the version ("7.4" + "p1" →
// "7.4p1"), the way product banners print it.
func ParseCPE(s string) (CPE, bool) {
	f := splitCPE(s)
	if len(f) < 6 || f[0] != "cpe" || f[1] != "2.3" {
		return CPE{}, false
	}
	c := CPE{Part: f[2], Vendor: strings.ToLower(f[3]), Product: strings.ToLower(f[4]), Version: unescape(f[5])}
	if len(f) > 6 && f[6] != "*" && f[6] != "-" && f[6] != "" && c.Version != "*" {
		c.Version += unescape(f[6])
	}
	return c, c.Product != ""
}

// splitCPE splits on colons that are not escaped with a backslash.
func splitCPE(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			cur.WriteByte(s[i])
			cur.WriteByte(s[i+1])
			i++
		case s[i] == ':':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(out, cur.String())
}

// unescape drops the CPE 2.3 formatted-string escapes (\. \: ...): a
// version compares on its characters, not on how the CPE quoted them.
func unescape(s string) string { return strings.ReplaceAll(s, `\`, "") }

// affects applies NVD's cpeMatch semantics: an exact version when one is
// given, else the range with each bound optional and inclusive or
// exclusive as the feed says.
func (m Match) affects(c CPE) bool {
	if m.Product != c.Product || (m.Vendor != "*" && m.Vendor != "" && m.Vendor != c.Vendor) {
		return false
	}
	v := c.Version
	if m.Version != "" && m.Version != "*" {
		return Compare(v, m.Version) == 0
	}
	switch {
	case m.StartIncl != "" && Compare(v, m.StartIncl) < 0,
		m.StartExcl != "" && Compare(v, m.StartExcl) <= 0,
		m.EndIncl != "" && Compare(v, m.EndIncl) > 0,
		m.EndExcl != "" && Compare(v, m.EndExcl) >= 0:
		return false
	}
	// A wildcard match with no bound at all ("every version") is kept:
	// the feed says so, and it is the feed's call.
	return true
}

// severityOf grades a CVSS base score with the qualitative scale of CVSS
// v3.1 §5 (low 0.1-3.9, medium 4.0-6.9, high 7.0-8.9, critical 9.0-10.0);
// 0 is no score, not "none", so the caller can fall back to another field.
func severityOf(score float64) string {
	switch {
	case score >= 9:
		return "critical"
	case score >= 7:
		return "high"
	case score >= 4:
		return "medium"
	case score > 0:
		return "low"
	}
	return ""
}

// firstSentence bounds a feed description for the evidence line: NVD
// descriptions run to paragraphs, and one line per entry is kept. The cut
// is at 200 characters, counted in runes so UTF-8 is never split.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i > 0 && i < 200 {
		return s[:i+1]
	}
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}
