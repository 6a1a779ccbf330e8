// Package sarifreport writes SARIF 2.1.0 for CI: one rule per check ID, one
// result per fail or warn finding, located logically at its target.
package sarifreport

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// Writer writes SARIF; Lang picks the language of rule and result texts
// ("ja" or "en"; anything else is English).
type Writer struct {
	Lang string
}

type log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []run  `json:"runs"`
}

type run struct {
	Tool        tool         `json:"tool"`
	Invocations []invocation `json:"invocations"`
	Results     []result     `json:"results"`
	Properties  props        `json:"properties,omitempty"`
}

type tool struct {
	Driver driver `json:"driver"`
}

type driver struct {
	Name       string `json:"name"`
	Version    string `json:"version,omitempty"`
	Properties props  `json:"properties,omitempty"`
	Rules      []rule `json:"rules"`
}

type rule struct {
	ID               string  `json:"id"`
	ShortDescription message `json:"shortDescription"`
	Properties       props   `json:"properties"`
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
	LogicalLocations []logical `json:"logicalLocations"`
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

// Write renders r; r is not modified.
func (w Writer) Write(out io.Writer, r *reports.Report) error {
	lang := w.Lang
	if lang != "ja" {
		lang = "en"
	}
	c := rendutil.Prepare(r)

	// Rules: every check that ran or produced a finding, sorted.
	ids := slices.Clone(c.Scan.Checks)
	titles := map[string]string{}
	articles := map[string][]string{}
	for _, f := range c.Findings {
		ids = append(ids, f.Check)
		if titles[f.Check] == "" {
			titles[f.Check] = f.Title.Lang(lang)
		}
		for _, a := range f.Articles {
			if !slices.Contains(articles[f.Check], a) {
				articles[f.Check] = append(articles[f.Check], a)
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	index := map[string]int{}
	rules := make([]rule, 0, len(ids))
	for i, id := range ids {
		index[id] = i
		desc := titles[id]
		if desc == "" {
			desc = id
		}
		arts := articles[id]
		slices.SortFunc(arts, rendutil.CompareArticles)
		if arts == nil {
			arts = []string{}
		}
		rules = append(rules, rule{ID: id, ShortDescription: message{desc}, Properties: props{"articles": arts}})
	}

	results := []result{}
	for _, f := range c.Findings {
		if f.Status != "fail" && f.Status != "warn" {
			continue
		}
		text := f.Title.Lang(lang)
		if d := f.Detail.Lang(lang); d != "" {
			if text != "" {
				text += ": "
			}
			text += d
		}
		if text == "" {
			text = f.Check
		}
		if rem := f.Remediation.Lang(lang); rem != "" {
			text += " — " + rem
		}
		p := props{"status": f.Status, "articles": f.Articles, "source": f.Source}
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
		res := result{
			RuleID: f.Check, RuleIndex: index[f.Check], Level: Level(f),
			Message:             message{text},
			Locations:           []location{{LogicalLocations: []logical{{Name: f.Target, FullyQualifiedName: f.Target, Kind: "resource"}}}},
			PartialFingerprints: map[string]string{"shindanFindingId/v1": f.ID},
			Properties:          p,
		}
		if wv := f.Waiver; wv != nil {
			just := wv.Reason
			if wv.Until != "" {
				just = strings.TrimSpace(just + " (until " + wv.Until + ")")
			}
			res.Suppressions = []suppression{{Kind: "external", Status: "accepted", Justification: just}}
		}
		results = append(results, res)
	}

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
			Results:     results,
			Properties:  props{"scanId": c.Scan.ID, "targets": c.Scan.Targets},
		}},
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("sarifreport: %w", err)
	}
	return nil
}
