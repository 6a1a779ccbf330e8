// Package checktest runs golden tests of checks. A check's cases are txtar
// archives under testdata/<check-id>/<case>.txtar in the check's package:
//
//	what the case shows (free text)
//	-- observations.json --
//	[ {"probe": "mail.domain", ...} ]
//	-- policy.yaml --        (optional: the scan policy)
//	-- now --                (optional: the scan's reference time, RFC 3339)
//	-- findings.json --
//	[ the expected findings, Japanese and English texts included ]
//
// An HTTP body may be written "body_text": "<html>..." instead of the
// base64 "body" that encoding/json makes of a []byte, so a case shows the
// page it is about.
//
// The observations go through the check's Evaluate exactly as the engine
// hands them over, and the findings are compared as indented JSON, so a
// changed word in either language shows up as a diff. `go test -update`
// rewrites findings.json from what the check now says; review the diff.
package checktest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"shindan/checks"
	"shindan/scanners"
)

var update = flag.Bool("update", false, "checktest: rewrite each case's findings.json from the check's output")

// defaultNow is the reference time of a case without a "now" file: fixed,
// so expiry and skew verdicts do not change with the day the test runs.
var defaultNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// Case is one parsed case file.
type Case struct {
	Name     string
	Comment  string
	Input    checks.Input
	Expected []byte // findings.json as written, nil when missing
	file     string
	archive  *txtar.Archive
}

// Load parses one case file; errors name the file and the section.
func Load(file string) (*Case, error) {
	a, err := txtar.ParseFile(file)
	if err != nil {
		return nil, fmt.Errorf("checktest: %w", err)
	}
	c := &Case{Name: strings.TrimSuffix(filepath.Base(file), ".txtar"), Comment: string(a.Comment), file: file, archive: a,
		Input: checks.Input{Now: defaultNow}}
	seen := map[string]bool{}
	for _, f := range a.Files {
		if seen[f.Name] {
			return nil, fmt.Errorf("checktest: %s: section %q twice", file, f.Name)
		}
		seen[f.Name] = true
		switch f.Name {
		case "observations.json":
			data, err := bodyText(f.Data)
			if err != nil {
				return nil, fmt.Errorf("checktest: %s: observations.json: %w", file, err)
			}
			if err := json.Unmarshal(data, &c.Input.Obs); err != nil {
				return nil, fmt.Errorf("checktest: %s: observations.json: %w", file, err)
			}
		case "policy.yaml":
			p, err := checks.ParsePolicy(file+":policy.yaml", f.Data)
			if err != nil {
				return nil, fmt.Errorf("checktest: %s: %w", file, err)
			}
			c.Input.Policy = p
		case "now":
			t, err := time.Parse(time.RFC3339, strings.TrimSpace(string(f.Data)))
			if err != nil {
				return nil, fmt.Errorf("checktest: %s: now: %w", file, err)
			}
			c.Input.Now = t
		case "findings.json":
			c.Expected = f.Data
		default:
			return nil, fmt.Errorf("checktest: %s: unknown section %q (want observations.json, policy.yaml, now, findings.json)", file, f.Name)
		}
	}
	if !seen["observations.json"] {
		return nil, fmt.Errorf("checktest: %s: no observations.json section", file)
	}
	return c, nil
}

// Evaluate runs c on the case's input as the engine would: only the
// observations of the probes c needs, with a policy always present.
func (k *Case) Evaluate(c checks.Check) []checks.Finding {
	in := k.Input
	in.Obs = slices.DeleteFunc(slices.Clone(in.Obs), func(o scanners.Observation) bool {
		return !slices.Contains(c.Info().Needs, o.Probe)
	})
	if in.Policy == nil {
		in.Policy = checks.DefaultPolicy()
	}
	return c.Evaluate(&in)
}

// evaluateNilPolicy runs c on the case's observations with Input.Policy
// nil, turning a panic into a message.
func evaluateNilPolicy(c checks.Check, k *Case) (fs []checks.Finding, msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprintf("panic: %v", r)
		}
	}()
	in := k.Input
	in.Policy = nil
	in.Obs = slices.DeleteFunc(slices.Clone(in.Obs), func(o scanners.Observation) bool {
		return !slices.Contains(c.Info().Needs, o.Probe)
	})
	return c.Evaluate(&in), ""
}

// Render is the findings as the golden file holds them.
func Render(fs []checks.Finding) []byte {
	if fs == nil {
		fs = []checks.Finding{}
	}
	// HTML stays as written (no \u003c): web evidence is pages and headers.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(fs); err != nil {
		panic("checktest: findings do not marshal: " + err.Error())
	}
	return b.Bytes()
}

// Run runs every case of check c found under dir/<check-id>/ and returns
// the statuses the expected findings hold, so a caller can demand that a
// check's cases cover fail, pass and error. A check without cases fails.
func Run(t *testing.T, c checks.Check, dir string) map[checks.Status]int {
	t.Helper()
	id := c.Info().ID
	files, err := filepath.Glob(filepath.Join(dir, id, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Errorf("checktest: no cases for %s under %s", id, filepath.Join(dir, id))
		return nil
	}
	seen := map[checks.Status]int{}
	english := 0 // Japanese texts of this check with English words
	for _, file := range files {
		k, err := Load(file)
		if err != nil {
			t.Error(err)
			continue
		}
		fs := k.Evaluate(c)
		for _, f := range fs {
			if msg := untold(f); msg != "" {
				t.Errorf("%s: %s %s %q: %s", file, f.Check, f.Status, f.Subject, msg)
			}
			for _, tx := range []checks.Text{f.Title, f.Detail, f.Remediation} {
				if bad := OnePlural(tx.EN); len(bad) > 0 {
					t.Errorf("%s: %s %q: English counts one of a plural (use checks.Count): %q in %q", file, f.Check, f.Subject, bad, tx.EN)
				}
				if bad := JapaneseInEN(tx.EN); len(bad) > 0 {
					t.Errorf("%s: %s %q: Japanese %q in the English text %q (translate, or quote a name the server gave)", file, f.Check, f.Subject, bad, tx.EN)
				}
				if bad := EnglishInJA(tx.JA); len(bad) > 0 {
					english++
					if _, later := pendingJA[id]; !later {
						t.Errorf("%s: %s %q: English words %q in the Japanese text %q (translate; quote a probe's or server's words with checks.Raw)", file, f.Check, f.Subject, bad, tx.JA)
					}
				}
			}
		}
		got := Render(fs)
		if k.Input.Policy == nil {
			// Checks are also called outside the engine (tests, tools) with
			// no policy: they must read in.EffectivePolicy(), never
			// in.Policy, and then decide exactly as with the default.
			if nilPol, msg := evaluateNilPolicy(c, k); msg != "" {
				t.Errorf("%s: with a nil policy: %s", file, msg)
			} else if !bytes.Equal(Render(nilPol), got) {
				t.Errorf("%s: findings with a nil policy differ from those with the default policy", file)
			}
		}
		t.Run(id+"/"+k.Name, func(t *testing.T) {
			if *update {
				if err := k.write(got); err != nil {
					t.Fatal(err)
				}
				k.Expected = got
			}
			if k.Expected == nil {
				t.Fatalf("%s: no findings.json section (run go test -update to write it)", file)
			}
			if !bytes.Equal(got, k.Expected) {
				t.Errorf("%s: findings differ (go test -update rewrites them)\n--- got\n%s--- want\n%s", file, got, k.Expected)
			}
		})
		var want []checks.Finding
		if err := json.Unmarshal(k.Expected, &want); err != nil {
			t.Errorf("%s: findings.json: %v", file, err)
		}
		for _, f := range want {
			seen[f.Status]++
		}
	}
	if _, later := pendingJA[id]; later && english == 0 {
		t.Errorf("checktest: %s: its Japanese texts are Japanese now: remove it from pendingJA", id)
	}
	return seen
}

// RequireVerdicts runs every check's cases and fails a check whose cases
// do not show at least one fail (or warn), one pass (or info, for the
// inventory checks that never pass) and one error: a check is only tested
// when each way it can decide is.
func RequireVerdicts(t *testing.T, dir string, cs ...checks.Check) {
	t.Helper()
	for _, c := range cs {
		seen := Run(t, c, dir)
		if seen == nil {
			continue
		}
		bad, good := seen[checks.Fail]+seen[checks.Warn], seen[checks.Pass]+seen[checks.InfoS]
		if bad == 0 || good == 0 || seen[checks.Error] == 0 {
			t.Errorf("checktest: %s: cases cover fail/warn %d, pass/info %d, error %d; want each at least once",
				c.Info().ID, bad, good, seen[checks.Error])
		}
	}
}

func (k *Case) write(findings []byte) error {
	a := *k.archive
	a.Files = slices.DeleteFunc(slices.Clone(a.Files), func(f txtar.File) bool { return f.Name == "findings.json" })
	a.Files = append(a.Files, txtar.File{Name: "findings.json", Data: findings})
	return os.WriteFile(k.file, txtar.Format(&a), 0o644)
}

// bodyText rewrites every "body_text" string of the observations into the
// "body" bytes the payload types decode (base64, as encoding/json wants a
// []byte).
func bodyText(data []byte) ([]byte, error) {
	if !bytes.Contains(data, []byte(`"body_text"`)) {
		return data, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // numbers pass through as written
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var walk func(v any) error
	walk = func(v any) error {
		switch v := v.(type) {
		case map[string]any:
			if t, ok := v["body_text"]; ok {
				s, isStr := t.(string)
				if !isStr {
					return fmt.Errorf("body_text is not a string")
				}
				if _, dup := v["body"]; dup {
					return fmt.Errorf("body and body_text in one exchange")
				}
				delete(v, "body_text")
				v["body"] = []byte(s)
			}
			for _, e := range v {
				if err := walk(e); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range v {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// untold says what a finding lacks that every reader needs, "" when
// nothing: a title and a detail in both languages, and for a fail or warn
// a remediation in both.
func untold(f checks.Finding) string {
	switch {
	case f.Title.JA == "" || f.Title.EN == "":
		return "title not in both languages"
	case f.Detail.JA == "" || f.Detail.EN == "":
		return "detail not in both languages"
	case (f.Status == checks.Fail || f.Status == checks.Warn) && (f.Remediation.JA == "" || f.Remediation.EN == ""):
		return "a " + string(f.Status) + " without remediation in both languages"
	}
	return ""
}
