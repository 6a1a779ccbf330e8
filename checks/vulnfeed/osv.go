package vulnfeed

import (
	"errors"
	"strconv"
	"strings"
)

// osvRecord is the part of an OSV record (https://ossf.github.io/osv-schema/)
// that matching needs. OSV names packages by ecosystem, not by CPE, so a
// record matches a service whose CPE product equals the package name
// (case-insensitive, any vendor): "openssh" in the Debian ecosystem
// matches cpe:2.3:a:openbsd:openssh.
type osvRecord struct {
	ID       string `json:"id"`
	Summary  string `json:"summary"`
	Details  string `json:"details"`
	Severity []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Type   string `json:"type"`
			Events []struct {
				Introduced   string `json:"introduced"`
				Fixed        string `json:"fixed"`
				LastAffected string `json:"last_affected"`
			} `json:"events"`
		} `json:"ranges"`
		Versions         []string `json:"versions"`
		DatabaseSpecific struct {
			Severity string `json:"severity"`
		} `json:"database_specific"`
	} `json:"affected"`
	DatabaseSpecific struct {
		Severity string `json:"severity"`
	} `json:"database_specific"`
}

// vuln turns the OSV affected ranges into Matches: each "introduced"
// event opens a range ("0" means from the first version) that the next
// "fixed" (exclusive) or "last_affected" (inclusive) event closes, per the
// OSV schema's event semantics. Ecosystem version rules (Debian epochs,
// semver) are not applied: Compare is one order for all.
func (r osvRecord) vuln() (Vuln, error) {
	if r.ID == "" {
		return Vuln{}, errors.New("OSV record without an id")
	}
	v := Vuln{ID: r.ID, Summary: firstSentence(r.Summary)}
	if v.Summary == "" {
		v.Summary = firstSentence(r.Details)
	}
	for _, s := range r.Severity {
		if sc, ok := cvssScore(s.Score); ok {
			v.Score = sc
			break
		}
	}
	v.Severity = severityOf(v.Score)
	if v.Severity == "" {
		v.Severity = normSeverity(r.DatabaseSpecific.Severity)
	}
	for _, a := range r.Affected {
		name := strings.ToLower(a.Package.Name)
		if i := strings.LastIndexAny(name, "/:"); i >= 0 {
			name = name[i+1:] // "github.com/x/openssh" or "pypi:foo" → the last element
		}
		if name == "" {
			continue
		}
		if v.Severity == "" {
			v.Severity = normSeverity(a.DatabaseSpecific.Severity)
		}
		for _, ver := range a.Versions {
			v.Matches = append(v.Matches, Match{Vendor: "*", Product: name, Version: ver})
		}
		for _, rg := range a.Ranges {
			if rg.Type == "GIT" {
				continue // commit hashes, not versions a banner shows
			}
			var cur *Match
			for _, e := range rg.Events {
				switch {
				case e.Introduced != "":
					m := Match{Vendor: "*", Product: name}
					if e.Introduced != "0" {
						m.StartIncl = e.Introduced
					}
					v.Matches = append(v.Matches, m)
					cur = &v.Matches[len(v.Matches)-1]
				case e.Fixed != "" && cur != nil:
					cur.EndExcl, cur = e.Fixed, nil
				case e.LastAffected != "" && cur != nil:
					cur.EndIncl, cur = e.LastAffected, nil
				}
			}
		}
	}
	return v, nil
}

// cvssScore reads a numeric score, or computes nothing for a vector string
// (OSV gives vectors; the base score is not in them) and reports false.
func cvssScore(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil && f > 0 && f <= 10
}

// normSeverity reads a database_specific severity (GitHub advisories
// say "moderate" for medium); anything else is unknown, not guessed.
func normSeverity(s string) string {
	switch s = strings.ToLower(strings.TrimSpace(s)); s {
	case "critical", "high", "medium", "low":
		return s
	case "moderate":
		return "medium"
	}
	return ""
}
