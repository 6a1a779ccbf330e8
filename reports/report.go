// Package reports holds the report document. The JSON form
// (shared/spec/report.schema.json) is canonical; every other format renders
// from a *Report, so nothing appears in them that is not here.
package reports

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// SchemaVersion is the report.schema.json version this package writes.
const SchemaVersion = "1"

// Report mirrors report.schema.json.
type Report struct {
	SchemaVersion string            `json:"schema_version"`
	Tool          Tool              `json:"tool"`
	Scan          Scan              `json:"scan"`
	Assets        []Asset           `json:"assets,omitempty"`
	Findings      []Finding         `json:"findings"`
	Summary       map[string]Counts `json:"summary,omitempty"`
	// Baseline is set when the report was compared with an earlier scan
	// (--baseline).
	Baseline *Baseline `json:"baseline,omitempty"`
}

// Tool names the scanner that wrote the report.
type Tool struct {
	Name            string `json:"name"`
	Version         string `json:"version"`
	NucleiTemplates string `json:"nuclei_templates,omitempty"`
}

// Scan is the scan's metadata.
type Scan struct {
	ID                string    `json:"id"`
	StartedAt         time.Time `json:"started_at"`
	FinishedAt        time.Time `json:"finished_at"`
	Profile           string    `json:"profile,omitempty"`
	Vantage           string    `json:"vantage,omitempty"`
	Targets           []string  `json:"targets"`
	Excluded          []string  `json:"excluded,omitempty"`
	Checks            []string  `json:"checks,omitempty"`
	Policy            string    `json:"policy,omitempty"`
	Stats             *Stats    `json:"stats,omitempty"`
	Complete          bool      `json:"complete"`
	InterruptedReason string    `json:"interrupted_reason,omitempty"`
	// ResumedFrom is set when --resume continued an interrupted scan: the
	// hosts and domains it had finished kept their findings.
	ResumedFrom string `json:"resumed_from,omitempty"`
	// Incomplete lists hosts whose probing was cut (interruption or
	// --host-timeout) with what was done; NotScanned counts the hosts
	// never reached, compactly, instead of a finding per planned probe.
	Incomplete []IncompleteHost `json:"incomplete_hosts,omitempty"`
	NotScanned *NotScanned      `json:"not_scanned,omitempty"`
	// Timings are the time spent per probe and per check (--log-level
	// debug logs each run).
	Timings []Timing `json:"timings,omitempty"`
	// Distributed is set when workers ran the scan (shindan scan --nats).
	Distributed *Distributed `json:"distributed,omitempty"`
}

// Distributed says how a scan was spread over workers.
type Distributed struct {
	Units   int      `json:"units"` // work units published
	Workers []Worker `json:"workers"`
}

// Worker is one worker's part in a distributed scan.
type Worker struct {
	Name    string `json:"name"`
	Vantage string `json:"vantage,omitempty"`
	Units   int    `json:"units"` // results of this worker that were kept
}

// Timing is the time one probe or check took over the scan.
type Timing struct {
	Kind    string `json:"kind"` // probe or check
	ID      string `json:"id"`
	Runs    int    `json:"runs"`
	TotalMS int64  `json:"total_ms"`
	MaxMS   int64  `json:"max_ms"`
}

// IncompleteHost is a host whose probing stopped before it was done.
type IncompleteHost struct {
	Host   string `json:"host"`
	Reason string `json:"reason"`
	// Done is what was finished (discovery, probes run) in words.
	Done string `json:"done,omitempty"`
}

// NotScanned counts the targets an interrupted scan never reached.
type NotScanned struct {
	Hosts int `json:"hosts"`
	// Ranges lists them as address ranges ("a-b"), at most 100.
	Ranges []string `json:"ranges,omitempty"`
	Reason string   `json:"reason,omitempty"`
}

// Stats are the scan's counters.
type Stats struct {
	HostsAlive int `json:"hosts_alive"`
	// HostsSilent counts addresses of CIDRs and ranges that answered
	// nothing: they are not hosts and get no finding.
	HostsSilent int   `json:"hosts_silent,omitempty"`
	PortsOpen   int   `json:"ports_open"`
	ProbesSent  int64 `json:"probes_sent"`
	DurationMS  int64 `json:"duration_ms"`
}

// Asset is one host seen, with its open services.
type Asset struct {
	Host     string    `json:"host"`
	Names    []string  `json:"names,omitempty"`
	Services []Service `json:"services,omitempty"`
}

// Service is one open port of an asset.
type Service struct {
	Port    int    `json:"port"`
	Proto   string `json:"proto"`
	Service string `json:"service,omitempty"`
	Product string `json:"product,omitempty"`
	Version string `json:"version,omitempty"`
	CPE     string `json:"cpe,omitempty"`
	TLS     bool   `json:"tls,omitempty"`
	Banner  string `json:"banner,omitempty"`
}

// Text is bilingual text, Japanese first.
type Text struct {
	JA string `json:"ja"`
	EN string `json:"en"`
}

// Lang picks the Japanese or English form.
func (t *Text) Lang(lang string) string {
	if t == nil {
		return ""
	}
	if lang == "ja" {
		return t.JA
	}
	return t.EN
}

// Evidence is what was sent and seen.
type Evidence struct {
	Kind    string `json:"kind,omitempty"`
	Summary string `json:"summary,omitempty"`
	Data    string `json:"data,omitempty"`
}

// Waiver marks a finding covered by a policy waiver.
type Waiver struct {
	Reason string `json:"reason,omitempty"`
	Until  string `json:"until,omitempty"` // YYYY-MM-DD
	By     string `json:"by,omitempty"`
}

// Finding is one verdict.
type Finding struct {
	ID          string     `json:"id"`
	Check       string     `json:"check"`
	Articles    []string   `json:"articles"`
	Target      string     `json:"target"`
	Host        string     `json:"host,omitempty"`
	Port        int        `json:"port,omitempty"`
	Proto       string     `json:"proto,omitempty"`
	Status      string     `json:"status"`
	Severity    string     `json:"severity,omitempty"`
	Title       *Text      `json:"title,omitempty"`
	Detail      *Text      `json:"detail,omitempty"`
	Remediation *Text      `json:"remediation,omitempty"`
	Evidence    []Evidence `json:"evidence,omitempty"`
	Source      string     `json:"source,omitempty"`
	ObservedAt  *time.Time `json:"observed_at,omitempty"`
	Waiver      *Waiver    `json:"waiver,omitempty"`
	// Subject names what inside Target an ungrouped finding is about;
	// Group moves it into Items.
	Subject string `json:"subject,omitempty"`
	// Items are the individual subjects (suites, files, headers) of a
	// grouped finding, each with its own verdict and evidence.
	Items []Item `json:"items,omitempty"`
	// Baseline is the finding's state against the baseline scan
	// (BaselineNew, ...); empty without --baseline.
	Baseline string `json:"baseline,omitempty"`
	// Vantage is where the finding was observed from (a distributed
	// worker's name and source addresses); empty on a local scan, whose
	// vantage is the scan's.
	Vantage string `json:"vantage,omitempty"`
}

// Item is one subject of a grouped finding. Its ID is the per-subject ID
// that ungrouped reports used, so waivers and diffs keep matching. Title,
// remediation and articles are left out when they equal the finding's.
type Item struct {
	ID          string     `json:"id"`
	Subject     string     `json:"subject"`
	Status      string     `json:"status"`
	Severity    string     `json:"severity,omitempty"`
	Articles    []string   `json:"articles,omitempty"`
	Title       *Text      `json:"title,omitempty"`
	Detail      *Text      `json:"detail,omitempty"`
	Remediation *Text      `json:"remediation,omitempty"`
	Evidence    []Evidence `json:"evidence,omitempty"`
	Source      string     `json:"source,omitempty"`
	ObservedAt  *time.Time `json:"observed_at,omitempty"`
	Waiver      *Waiver    `json:"waiver,omitempty"`
}

// Baseline states of a finding against an earlier scan. A baseline
// finding the new scan did not test (port not scanned, host down, check
// not selected) is "not-tested", never "fixed".
const (
	BaselineNew       = "new"
	BaselineUnchanged = "unchanged"
	BaselineFixed     = "fixed"
	BaselineNotTested = "not-tested"
)

// Baseline is a report's comparison with an earlier scan.
type Baseline struct {
	ScanID    string         `json:"scan_id"`
	StartedAt time.Time      `json:"started_at,omitzero"`
	Counts    map[string]int `json:"counts,omitempty"` // per baseline state, gone findings included
	// Gone are the baseline's fail and warn findings this report no
	// longer has, each fixed or not tested.
	Gone []GoneFinding `json:"gone,omitempty"`
}

// GoneFinding is a baseline finding absent from the new report.
type GoneFinding struct {
	ID       string `json:"id"`
	Check    string `json:"check"`
	Target   string `json:"target"`
	Status   string `json:"status"` // in the baseline
	Severity string `json:"severity,omitempty"`
	Title    *Text  `json:"title,omitempty"`
	State    string `json:"state"` // BaselineFixed or BaselineNotTested
	Reason   *Text  `json:"reason,omitempty"`
}

// Counts is one article's tally.
type Counts struct {
	Pass    int    `json:"pass"`
	Fail    int    `json:"fail"`
	Warn    int    `json:"warn"`
	Info    int    `json:"info"`
	Error   int    `json:"error"`
	Skipped int    `json:"skipped"`
	Worst   string `json:"worst,omitempty"`
}

// Add counts one finding of status; an unknown status counts nowhere
// (a report read from elsewhere may carry one, and Decode names it).
func (c *Counts) Add(status string) {
	switch status {
	case "pass":
		c.Pass++
	case "fail":
		c.Fail++
	case "warn":
		c.Warn++
	case "info":
		c.Info++
	case "error":
		c.Error++
	case "skipped":
		c.Skipped++
	}
}

// Statuses in report order: worst first.
var Statuses = []string{"fail", "warn", "error", "info", "pass", "skipped"}

// SeverityRank orders severities; unknown ranks 0.
func SeverityRank(s string) int {
	return map[string]int{"critical": 4, "high": 3, "medium": 2, "low": 1}[s]
}

func statusRank(s string) int {
	if i := slices.Index(Statuses, s); i >= 0 {
		return i
	}
	return len(Statuses)
}

// Normalize sorts assets and findings into the canonical order (findings:
// worst status, then severity, check, target, ID) and recomputes the
// per-article summary, so every writer sees the same document.
func (r *Report) Normalize() {
	slices.SortFunc(r.Assets, func(a, b Asset) int { return compareHosts(a.Host, b.Host) })
	for i := range r.Assets {
		slices.SortFunc(r.Assets[i].Services, func(a, b Service) int {
			return cmp.Or(cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port))
		})
	}
	for i := range r.Findings {
		slices.SortFunc(r.Findings[i].Items, compareItems)
	}
	slices.SortFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(statusRank(a.Status), statusRank(b.Status)),
			-cmp.Compare(SeverityRank(a.Severity), SeverityRank(b.Severity)),
			cmp.Compare(a.Check, b.Check),
			compareHosts(a.Host, b.Host),
			cmp.Compare(a.Port, b.Port),
			cmp.Compare(a.Target, b.Target),
			cmp.Compare(a.ID, b.ID))
	})
	r.Summary = Summarize(r.Findings)
}

// Summarize counts findings per article reference and keeps the worst
// severity among fails and warns. Waived findings count as measured.
func Summarize(fs []Finding) map[string]Counts {
	out := map[string]Counts{}
	for _, f := range fs {
		for _, a := range f.Articles {
			c := out[a]
			c.Add(f.Status)
			if (f.Status == "fail" || f.Status == "warn") && SeverityRank(f.Severity) > SeverityRank(c.Worst) {
				c.Worst = f.Severity
			}
			out[a] = c
		}
	}
	return out
}

// CompareHosts orders hosts as reports list them: IPv4 addresses
// numerically, then IPv6 addresses, then names.
func CompareHosts(a, b string) int { return compareHosts(a, b) }

// compareHosts orders hosts numerically when both parse as addresses.
// It runs inside every sort of Normalize, so it allocates nothing for the
// common cases (equal hosts, dotted quads).
func compareHosts(a, b string) int {
	if a == b {
		return 0
	}
	qa, oka := dottedQuad(a)
	qb, okb := dottedQuad(b)
	if oka && okb {
		return cmp.Compare(qa, qb)
	}
	return strings.Compare(hostKey(a), hostKey(b))
}

// dottedQuad reads the four decimal numbers a host starts with ("a.b.c.d",
// anything after the fourth ignored), packed so that numeric order is
// integer order; ok is false unless all four are there and below 1000,
// the range in which hostKey's text order is numeric order.
func dottedQuad(h string) (v uint64, ok bool) {
	i := 0
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i >= len(h) || h[i] != '.' {
				return 0, false
			}
			i++
		}
		n, start := 0, i
		for i < len(h) && h[i] >= '0' && h[i] <= '9' && i-start < 4 {
			n = n*10 + int(h[i]-'0')
			i++
		}
		if i == start || n > 999 {
			return 0, false
		}
		v = v<<10 | uint64(n)
	}
	return v, true
}

func hostKey(h string) string {
	if v, ok := dottedQuad(h); ok {
		return fmt.Sprintf("4:%03d.%03d.%03d.%03d", v>>30&1023, v>>20&1023, v>>10&1023, v&1023)
	}
	var parts [4]int
	if n, _ := fmt.Sscanf(h, "%d.%d.%d.%d", &parts[0], &parts[1], &parts[2], &parts[3]); n == 4 {
		return fmt.Sprintf("4:%03d.%03d.%03d.%03d", parts[0], parts[1], parts[2], parts[3])
	}
	if strings.Contains(h, ":") {
		return "6:" + h
	}
	return "n:" + h
}

// Writer renders a Report. Write must not mutate r and must be
// deterministic: the same report gives the same bytes.
type Writer interface {
	Write(w io.Writer, r *Report) error
}

// Decode reads a JSON report and checks what a renderer relies on. Errors
// name the reason and, for syntax errors, the line.
func Decode(b []byte) (*Report, error) {
	var r Report
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("report: line %d: %v", lineOf(b, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("report: line %d: field %s: %v", lineOf(b, te.Offset), te.Field, err)
		}
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("report: empty input")
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("report: line %d: truncated: %v", lineOf(b, int64(len(b))), err)
		}
		// Unknown fields and bad timestamps carry no offset of their own,
		// and the decoder has already buffered the whole value: find the
		// offending key or string by streaming the tokens again.
		var pe *time.ParseError
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if off, found := locateToken(b, strings.Trim(name, `"`), true); found {
				return nil, fmt.Errorf("report: line %d: %w", lineOf(b, off), err)
			}
		} else if errors.As(err, &pe) {
			if off, found := locateToken(b, pe.Value, false); found {
				return nil, fmt.Errorf("report: line %d: %w", lineOf(b, off), err)
			}
		}
		return nil, fmt.Errorf("report: %w", err)
	}
	// A second value after the report means a concatenated or corrupted
	// file; reading only the first would silently drop the rest.
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("report: line %d: data after the report object", lineOf(b, dec.InputOffset()))
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("report: schema_version %q is not %q", r.SchemaVersion, SchemaVersion)
	}
	if r.Tool.Name == "" || r.Scan.ID == "" || r.Findings == nil {
		return nil, fmt.Errorf("report: tool.name, scan.id and findings are required")
	}
	for i := range r.Findings {
		if err := checkFinding(i, &r.Findings[i]); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	return &r, nil
}

// locateToken returns the offset just after the first object key (key) or
// string value (!key) equal to s.
func locateToken(b []byte, s string, key bool) (int64, bool) {
	type frame struct{ object, wantKey bool }
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	for {
		tok, err := dec.Token()
		if err != nil {
			return 0, false
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
			continue
		case string:
			n := len(stack)
			isKey := n > 0 && stack[n-1].object && stack[n-1].wantKey
			if isKey == key && v == s {
				return dec.InputOffset(), true
			}
			if isKey {
				stack[n-1].wantKey = false
				continue
			}
		}
		valueDone()
	}
}

func lineOf(b []byte, off int64) int {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return 1 + strings.Count(string(b[:off]), "\n")
}
