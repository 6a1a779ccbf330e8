// Package sarifreport writes SARIF 2.1.0 for CI and GitHub code scanning:
// one rule per check ID (descriptions, help with the remediation, articles
// as tags, security-severity), one result per fail or warn finding. A
// network target has no source file, so each result's physical location is
// an artifact standing for the endpoint: the relative URI host/proto/port
// under the base ID TARGETS (shindan:///), which GitHub accepts because it is
// relative; the logical location keeps the target as written.
package sarifreport

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Writer writes SARIF; Lang picks the language of rule and result texts
// ("ja" or "en"; anything else is English).
type Writer struct {
	Lang string
	// HelpBase prefixes the check ID in each rule's helpUri (default
	// DefaultHelpBase; no helpUri when both are empty).
	HelpBase string
}

type log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Tool               tool                   `json:"tool"`
	Invocations        []invocation           `json:"invocations"`
	OriginalURIBaseIDs map[string]artifactLoc `json:"originalUriBaseIds,omitempty"`
	Artifacts          []artifact             `json:"artifacts,omitempty"`
	Results            []result               `json:"results"`
	Properties         props                  `json:"properties,omitempty"`
}

type artifactLoc struct {
	URI         string   `json:"uri"`
	URIBaseID   string   `json:"uriBaseId,omitempty"`
	Index       *int     `json:"index,omitempty"`
	Description *message `json:"description,omitempty"`
}

type artifact struct {
	Location    artifactLoc `json:"location"`
	Description message     `json:"description"`
	Roles       []string    `json:"roles"`
}

type tool struct {
	Driver driver `json:"driver"`
}

type driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri,omitempty"`
	Properties     props  `json:"properties,omitempty"`
	Rules          []rule `json:"rules"`
}

type rule struct {
	ID                   string        `json:"id"`
	Name                 string        `json:"name"`
	ShortDescription     message       `json:"shortDescription"`
	FullDescription      message       `json:"fullDescription"`
	Help                 multiformat   `json:"help"`
	HelpURI              string        `json:"helpUri,omitempty"`
	DefaultConfiguration configuration `json:"defaultConfiguration"`
	Properties           props         `json:"properties"`
}

type multiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type configuration struct {
	Level string `json:"level"`
}

type invocation struct {
	ExecutionSuccessful bool     `json:"executionSuccessful"`
	StartTimeUTC        string   `json:"startTimeUtc,omitempty"`
	EndTimeUTC          string   `json:"endTimeUtc,omitempty"`
	Notifications       []notice `json:"toolExecutionNotifications,omitempty"`
}

type notice struct {
	Level   string  `json:"level"`
	Message message `json:"message"`
}

type message struct {
	Text string `json:"text"`
}

type result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             message           `json:"message"`
	Locations           []location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []suppression     `json:"suppressions,omitempty"`
	Properties          props             `json:"properties"`
}

type location struct {
	PhysicalLocation physical  `json:"physicalLocation"`
	LogicalLocations []logical `json:"logicalLocations"`
}

type physical struct {
	ArtifactLocation artifactLoc `json:"artifactLocation"`
	Region           region      `json:"region"`
}

// region is the whole artifact: an endpoint has no lines, but GitHub
// places an alert only with a start line.
type region struct {
	StartLine int `json:"startLine"`
}

type logical struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type suppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

type props map[string]any

// Level maps a fail or warn finding to a SARIF level: critical and high
// are errors, medium and low warnings; without a severity a fail is an
// error and a warn a warning.
func Level(f reports.Finding) string {
	switch f.Severity {
	case "critical", "high":
		return "error"
	case "medium", "low":
		return "warning"
	}
	if f.Status == "fail" {
		return "error"
	}
	return "warning"
}

// DocsRepo is the web address of the repository's main branch, where
// docs/checks.md is rendered, set when the binary is built
// (make build DOCS_URL=https://.../blob/main/, i.e. -ldflags
// -X shindan/reports/sarifreport.DocsRepo=...). It is empty by default:
// the project records no hosting address, and a guessed one would give
// every rule a dead "learn more" link. Without it rules carry no helpUri
// (optional in SARIF) and their help text stands alone.
var DocsRepo = ""

// DefaultHelpBase is the default prefix of a rule's helpUri, the check ID
// appended: the check's section of docs/checks.md under DocsRepo, which
// checks/all's TestChecksDoc generates from the registry with one
// <a id="check-id"> anchor per check. SARIF 2.1.0 §3.49.12 wants an
// absolute URI and GitHub code scanning shows it as the rule's link, so
// it is an http address, never a URN.
func DefaultHelpBase() string {
	if DocsRepo == "" {
		return ""
	}
	return DocsRepo + "docs/checks.md#"
}

// TargetsBase is the uriBaseId under which endpoints are artifacts.
const TargetsBase = "TARGETS"

// SecuritySeverity is GitHub's 0.0–10.0 score for a severity: critical
// above 9, high 7–8.9, medium 4–6.9, low 0.1–3.9.
func SecuritySeverity(sev string) string {
	switch sev {
	case "critical":
		return "9.5"
	case "high":
		return "8.0"
	case "medium":
		return "5.5"
	case "low":
		return "3.0"
	}
	return "0.0"
}

// ArtifactURI is the relative URI standing for a target as written:
// host/proto/port for an endpoint, the host or domain alone otherwise. Colons (IPv6) and
// anything outside unreserved characters are percent-encoded, so the
// first segment never reads as a scheme.
func ArtifactURI(f reports.Finding) string {
	segs := []string{f.Target}
	if h, p, err := net.SplitHostPort(f.Target); err == nil && f.Port != 0 && p == strconv.Itoa(f.Port) {
		proto := f.Proto
		if proto == "" {
			proto = "tcp"
		}
		segs = []string{h, proto, p}
	}
	for i, s := range segs {
		segs[i] = escapeSegment(s)
	}
	return strings.Join(segs, "/")
}

// escapeSegment keeps the unreserved characters of RFC 3986 §2.3 and
// percent-encodes every other byte, UTF-8 included, so any host name or
// address becomes one valid path segment.
func escapeSegment(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// ruleInfo gathers a rule's texts from the findings of its check: the
// first title and remediation seen and the union of their articles.
type ruleInfo struct {
	title, remediation string
	articles           []string
	severity           string // highest among fails and warns
}

// Write renders r; r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	lang := w.Lang
	if lang != "ja" {
		lang = "en"
	}
	helpBase := w.HelpBase
	if helpBase == "" {
		helpBase = DefaultHelpBase()
	}
	c := rendutil.Prepare(r)

	// Rules: every check that ran or produced a finding, sorted.
	ids := slices.Clone(c.Scan.Checks)
	info := map[string]*ruleInfo{}
	for _, f := range c.Findings {
		ids = append(ids, f.Check)
		ri := info[f.Check]
		if ri == nil {
			ri = &ruleInfo{}
			info[f.Check] = ri
		}
		if ri.title == "" {
			ri.title = f.Title.Lang(lang)
		}
		if ri.remediation == "" {
			ri.remediation = f.Remediation.Lang(lang)
		}
		for _, a := range f.Articles {
			if !slices.Contains(ri.articles, a) {
				ri.articles = append(ri.articles, a)
			}
		}
		if (f.Status == "fail" || f.Status == "warn") && reports.SeverityRank(f.Severity) > reports.SeverityRank(ri.severity) {
			ri.severity = f.Severity
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	index := map[string]int{}
	rules := make([]rule, 0, len(ids))
	for i, id := range ids {
		index[id] = i
		ri := info[id]
		if ri == nil {
			ri = &ruleInfo{}
		}
		rules = append(rules, w.rule(lang, id, ri, helpBase))
	}

	artIndex := map[string]int{}
	var artifacts []artifact
	results := []result{}
	for _, f := range c.Findings {
		// Only fail and warn become results: code scanning turns every
		// result into an alert, and a pass or an inventory line is none.
		if f.Status != "fail" && f.Status != "warn" {
			continue
		}
		uri := ArtifactURI(f)
		ai, seen := artIndex[uri]
		if !seen {
			ai = len(artifacts)
			artIndex[uri] = ai
			artifacts = append(artifacts, artifact{
				Location:    artifactLoc{URI: uri, URIBaseID: TargetsBase},
				Description: message{f.Target},
				Roles:       []string{"analysisTarget"},
			})
		}
		text := f.Title.Lang(lang)
		if text == "" {
			text = f.Check
		}
		text += " (" + f.Target + ")"
		if d := f.Detail.Lang(lang); d != "" {
			text += ": " + d
		}
		if rem := f.Remediation.Lang(lang); rem != "" {
			text += " — " + rem
		}
		p := props{"status": f.Status, "articles": f.Articles, "source": f.Source, "target": f.Target}
		if f.Severity != "" {
			p["severity"] = f.Severity
		}
		if f.Host != "" {
			p["host"] = f.Host
		}
		if f.Port != 0 {
			p["port"] = f.Port
		}
		if f.Proto != "" {
			p["proto"] = f.Proto
		}
		if len(f.Items) > 0 {
			var subjects []props
			for _, it := range f.Items {
				if it.Status == "fail" || it.Status == "warn" {
					subjects = append(subjects, props{"subject": it.Subject, "status": it.Status, "severity": it.Severity, "id": it.ID})
				}
			}
			p["subjects"] = subjects
		}
		idx := ai
		res := result{
			RuleID: f.Check, RuleIndex: index[f.Check], Level: Level(f),
			Message: message{text},
			Locations: []location{{
				PhysicalLocation: physical{ArtifactLocation: artifactLoc{URI: uri, URIBaseID: TargetsBase, Index: &idx}, Region: region{StartLine: 1}},
				LogicalLocations: []logical{{Name: f.Target, FullyQualifiedName: f.Target, Kind: "resource"}},
			}},
			// The finding ID is stable across scans for the same check,
			// target and subject, so a consumer that tracks results by
			// fingerprint can match an alert to the previous scan's
			// instead of opening a new one each run.
			PartialFingerprints: map[string]string{"shindanFindingId/v1": f.ID},
			Properties:          p,
		}
		if wv := f.Waiver; wv != nil {
			just := wv.Reason
			if wv.Until != "" {
				just = strings.TrimSpace(just + " (until " + wv.Until + ")")
			}
			// "external": the waiver lives in the policy file, outside the
			// scanned artifact; the result stays in the log, marked.
			res.Suppressions = []suppression{{Kind: "external", Status: "accepted", Justification: just}}
		}
		results = append(results, res)
	}

	// An interrupted scan is not a successful execution: a CI gate reading
	// the log must not take its missing results for "no problems".
	inv := invocation{ExecutionSuccessful: c.Scan.Complete}
	if !c.Scan.StartedAt.IsZero() {
		inv.StartTimeUTC = c.Scan.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if !c.Scan.FinishedAt.IsZero() {
		inv.EndTimeUTC = c.Scan.FinishedAt.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if !c.Scan.Complete {
		msg := rendutil.Label(lang, "incomplete")
		if c.Scan.InterruptedReason != "" {
			msg += " " + rendutil.Label(lang, "interrupted") + ": " + c.Scan.InterruptedReason
		}
		inv.Notifications = []notice{{Level: "error", Message: message{msg}}}
	}
	drvProps := props{}
	if c.Tool.NucleiTemplates != "" {
		drvProps["nucleiTemplates"] = c.Tool.NucleiTemplates
	}
	doc := log{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []run{{
			Tool:        tool{Driver: driver{Name: c.Tool.Name, Version: c.Tool.Version, Properties: drvProps, Rules: rules}},
			Invocations: []invocation{inv},
			OriginalURIBaseIDs: map[string]artifactLoc{TargetsBase: {URI: "shindan:///",
				Description: &message{"scanned endpoints as host/proto/port, domains as their name"}}},
			Artifacts:  artifacts,
			Results:    results,
			Properties: props{"scanId": c.Scan.ID, "targets": c.Scan.Targets},
		}},
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false) // keep "<", ">" and "&" readable in texts
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("sarifreport: %w", err)
	}
	return nil
}

// maxTags is GitHub's limit of tags shown per rule.
const maxTags = 20

// rule builds one reportingDescriptor. Its texts name the articles the
// check evidences, and the tags carry them too (capped at maxTags), so an
// alert list can be filtered by article of the standard.
func (w Writer) rule(lang, id string, ri *ruleInfo, helpBase string) rule {
	title := ri.title
	if title == "" {
		title = id
	}
	arts := slices.Clone(ri.articles)
	slices.SortFunc(arts, rendutil.CompareArticles)
	if arts == nil {
		arts = []string{}
	}
	var named []string
	for _, a := range arts {
		t, ok := rendutil.ArticleTitle(lang, a)
		if ok {
			named = append(named, a+" "+t)
		} else {
			named = append(named, a)
		}
	}
	artLabel, none := "Articles of the standard: ", "no article recorded"
	remLabel, idLabel := "Remediation", "Check"
	if lang == "ja" {
		artLabel, none, remLabel, idLabel = "対策基準の条項: ", "条項の記録なし", "対策", "検査項目"
	}
	artText := none
	if len(named) > 0 {
		artText = strings.Join(named, "; ")
	}
	full := title + " (" + id + "). " + artLabel + artText
	help := full
	md := "**" + mdEscape(title) + "** (`" + id + "`)\n\n" + mdEscape(artLabel+artText)
	if ri.remediation != "" {
		help += "\n" + remLabel + ": " + ri.remediation
		md += "\n\n### " + remLabel + "\n\n" + mdEscape(ri.remediation)
	}
	md += "\n\n" + idLabel + ": `" + id + "`"
	tags := []string{"security"}
	for _, a := range arts {
		if len(tags) == maxTags {
			break
		}
		tags = append(tags, "article-"+a)
	}
	level := "warning"
	if ri.severity == "critical" || ri.severity == "high" {
		level = "error"
	}
	return rule{
		ID: id, Name: ruleName(id), ShortDescription: message{title}, FullDescription: message{full},
		Help: multiformat{Text: help, Markdown: md}, HelpURI: helpURI(helpBase, id),
		DefaultConfiguration: configuration{Level: level},
		Properties: props{"articles": arts, "tags": tags, "security-severity": SecuritySeverity(ri.severity),
			"precision": "high"},
	}
}

// ruleName is the check ID in PascalCase ("smtp.open-relay" →
// "SmtpOpenRelay"), the form SARIF viewers expect for reportingDescriptor.name.
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, c := range id {
		if c == '.' || c == '-' || c == '_' || c == '*' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(c)))
			up = false
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// mdEscape keeps finding texts from turning into Markdown markup.
func mdEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune("\\`*_{}[]()#+!<>|", c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func helpURI(base, id string) string {
	if base == "" {
		return ""
	}
	return base + id
}
