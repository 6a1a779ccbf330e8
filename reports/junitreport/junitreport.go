// Package junitreport writes JUnit XML for pre-launch gates in CI: a
// testsuite per target, a testcase per check on it. A fail, or a warn at or
// above the --fail-on severity, is a failure; error (the scan could not
// decide) is an error; skipped, and a finding a policy waiver covers, are
// skipped; everything else passes. The message and evidence are in the
// element body. The shape follows the Jenkins/Ant junit-10.xsd, which
// GitLab, GitHub test reporters and Jenkins read.
package junitreport

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Writer writes JUnit XML. Lang picks the language of messages ("ja" or
// "en"; anything else is English). FailOn is the --fail-on severity a
// warn must reach to fail ("critical", "high", "medium", "low", or "none":
// warns never fail); empty means "high", the CLI default.
type Writer struct {
	Lang   string
	FailOn string
}

// suites, suite, property, testcase and outcome are the junit-10.xsd
// elements shindan writes; attributes the schema makes optional are
// omitted when empty.
type suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Time     string   `xml:"time,attr,omitempty"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []suite  `xml:"testsuite"`
}

type suite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Timestamp  string     `xml:"timestamp,attr,omitempty"`
	Hostname   string     `xml:"hostname,attr,omitempty"`
	ID         string     `xml:"id,attr,omitempty"`
	Properties []property `xml:"properties>property,omitempty"`
	Cases      []testcase `xml:"testcase"`
}

type property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Failure   *outcome `xml:"failure,omitempty"`
	Error     *outcome `xml:"error,omitempty"`
	Skipped   *outcome `xml:"skipped,omitempty"`
	SystemOut string   `xml:"system-out,omitempty"`
}

type outcome struct {
	Type    string `xml:"type,attr,omitempty"`
	Message string `xml:"message,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// Outcome is how a finding counts in JUnit.
type Outcome int

// Outcomes.
const (
	Passed Outcome = iota
	Failed
	Errored
	Skipped
)

// Classify says how a finding counts for threshold failOn.
func Classify(f reports.Finding, failOn string) Outcome {
	if failOn == "" {
		failOn = "high"
	}
	switch {
	case f.Status == "skipped":
		return Skipped
	case f.Waiver != nil && (f.Status == "fail" || f.Status == "warn"):
		return Skipped
	case f.Status == "fail":
		return Failed
	case f.Status == "warn" && failOn != "none" && reports.SeverityRank(f.Severity) >= reports.SeverityRank(failOn):
		return Failed
	case f.Status == "error":
		return Errored
	}
	return Passed
}

// Write renders r; r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	lang := w.Lang
	if lang != "ja" {
		lang = "en"
	}
	c := rendutil.Prepare(r)
	doc := suites{Name: clean(c.Tool.Name + " " + c.Scan.ID)}
	if st := c.Scan.Stats; st != nil && st.DurationMS > 0 {
		doc.Time = strconv.FormatFloat(float64(st.DurationMS)/1000, 'f', 3, 64)
	}
	byTarget := map[string]*suite{}
	var order []string
	for _, f := range c.Findings {
		s := byTarget[f.Target]
		if s == nil {
			s = &suite{Name: clean(f.Target), Hostname: clean(f.Host), ID: clean(c.Scan.ID)}
			if !c.Scan.StartedAt.IsZero() {
				// UTC without a zone suffix: junit-10.xsd's timestamp
				// pattern has none, so a validating reader rejects one.
				s.Timestamp = c.Scan.StartedAt.UTC().Format("2006-01-02T15:04:05")
			}
			byTarget[f.Target] = s
			order = append(order, f.Target)
		}
		tc := testcase{Name: clean(f.Check + ": " + title(lang, f)), Classname: clean("shindan." + area(f.Check))}
		o := &outcome{Type: f.Severity, Message: clean(message(lang, f)), Body: clean(body(lang, f))}
		switch Classify(f, w.FailOn) {
		case Failed:
			tc.Failure = o
			s.Failures++
		case Errored:
			o.Type = "undecided"
			tc.Error = o
			s.Errors++
		case Skipped:
			if f.Waiver != nil {
				o.Type = "waived"
			}
			tc.Skipped = o
			s.Skipped++
		default:
			tc.SystemOut = clean(rendutil.Status(lang, f.Status) + ": " + message(lang, f) + "\n" + body(lang, f))
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	slices.SortFunc(order, func(a, b string) int {
		fa, fb := byTarget[a], byTarget[b]
		return cmp.Or(cmp.Compare(fa.Hostname, fb.Hostname), cmp.Compare(a, b))
	})
	for _, t := range order {
		s := byTarget[t]
		slices.SortStableFunc(s.Cases, func(a, b testcase) int { return cmp.Compare(a.Name, b.Name) })
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, *s)
	}
	if _, err := io.WriteString(out, xml.Header); err != nil {
		return fmt.Errorf("junitreport: %w", err)
	}
	enc := xml.NewEncoder(out)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junitreport: %w", err)
	}
	if _, err := io.WriteString(out, "\n"); err != nil {
		return fmt.Errorf("junitreport: %w", err)
	}
	return nil
}

// area is the check's area ("tls" of tls.ciphers): the classname, which
// test reporters use to group cases into packages.
func area(check string) string {
	a, _, _ := strings.Cut(check, ".")
	return a
}

// title falls back to the check ID, so no testcase is nameless.
func title(lang string, f reports.Finding) string {
	if t := f.Title.Lang(lang); t != "" {
		return t
	}
	return f.Check
}

// message is the one-line verdict: status, severity, title, detail.
func message(lang string, f reports.Finding) string {
	m := "[" + rendutil.Status(lang, f.Status)
	if f.Severity != "" && f.Severity != "none" {
		m += " " + rendutil.Severity(lang, f.Severity)
	}
	m += "] " + title(lang, f)
	if d := f.Detail.Lang(lang); d != "" {
		m += ": " + d
	}
	return m
}

// body is what a reviewer needs to reproduce the verdict: articles,
// remediation, waiver, and the evidence of the finding and of each item.
func body(lang string, f reports.Finding) string {
	var b strings.Builder
	lbl := func(ja, en string) string {
		if lang == "ja" {
			return ja
		}
		return en
	}
	fmt.Fprintf(&b, "%s: %s\n", lbl("条項", "articles"), strings.Join(f.Articles, ", "))
	fmt.Fprintf(&b, "%s: %s\n", lbl("指摘ID", "finding"), f.ID)
	if rem := f.Remediation.Lang(lang); rem != "" {
		fmt.Fprintf(&b, "%s: %s\n", lbl("対策", "remediation"), rem)
	}
	if wv := f.Waiver; wv != nil {
		fmt.Fprintf(&b, "%s: %s (%s %s, %s)\n", lbl("適用除外", "waived"), wv.Reason, lbl("期限", "until"), wv.Until, wv.By)
	}
	writeEvidence(&b, "", f.Evidence)
	for _, it := range f.Items {
		fmt.Fprintf(&b, "\n- %s [%s", it.Subject, rendutil.Status(lang, it.Status))
		if it.Severity != "" && it.Severity != "none" {
			b.WriteString(" " + rendutil.Severity(lang, it.Severity))
		}
		b.WriteString("]")
		if d := it.Detail.Lang(lang); d != "" {
			b.WriteString(" " + d)
		}
		b.WriteString("\n")
		writeEvidence(&b, "  ", it.Evidence)
	}
	return b.String()
}

// writeEvidence indents each evidence line under its summary. CRLF from
// SMTP and HTTP transcripts is split as one line end, as XML parsers
// would normalise it anyway (XML 1.0 §2.11).
func writeEvidence(b *strings.Builder, indent string, evs []reports.Evidence) {
	for _, e := range evs {
		fmt.Fprintf(b, "%s%s: %s\n", indent, e.Kind, e.Summary)
		if e.Data != "" {
			for _, line := range strings.Split(strings.ReplaceAll(e.Data, "\r\n", "\n"), "\n") {
				b.WriteString(indent + "  " + line + "\n")
			}
		}
	}
}

// clean makes text safe for XML 1.0, which cannot carry most control
// characters even escaped: they become visible \xNN (a hostile banner's
// escape sequences stay readable and inert).
func clean(s string) string {
	if !strings.ContainsFunc(s, bad) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if bad(r) {
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// bad is a rune outside the Char production of XML 1.0 §2.2 (C0 controls
// but TAB, LF and CR; U+FFFE, U+FFFF) or one the same section discourages
// (DEL and the C1 controls), which some readers reject.
func bad(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f || r >= 0x80 && r < 0xa0 ||
		r == 0xfffe || r == 0xffff
}
