package checks

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"shindan/scanners"
)

// parseProbe fills s from the probe: mapping. Every key must be one of
// scanners.SettingKeys and every value valid for it: a typo that was once
// silently ignored ("helo_name") is an error with its line and the key it
// was probably meant to be.
func parseProbe(n *yaml.Node, s *scanners.Settings) error {
	switch n.Kind {
	case 0:
		return nil
	case yaml.MappingNode:
	default:
		return &nodeErr{n.Line, "probe: must map setting names to values"}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key, ok := scanners.LookupSettingKey(k.Value)
		if !ok {
			return &nodeErr{k.Line, fmt.Sprintf("probe: unknown key %q%s; the keys are %s",
				k.Value, scanners.DidYouMean(k.Value, scanners.SettingKeyNames()), strings.Join(scanners.SettingKeyNames(), ", "))}
		}
		if seen[key.Name] {
			return &nodeErr{k.Line, fmt.Sprintf("probe.%s: given twice", key.Name)}
		}
		seen[key.Name] = true
		vals, err := probeValues(key, v)
		if err != nil {
			return err
		}
		if err := key.Set(s, vals); err != nil {
			return &nodeErr{v.Line, fmt.Sprintf("probe.%s: %v", key.Name, err)}
		}
	}
	return nil
}

// probeValues reads a scalar, or for list keys a sequence of scalars or one
// comma-separated scalar.
func probeValues(key scanners.SettingKey, v *yaml.Node) ([]string, error) {
	bad := func(what string) error {
		return &nodeErr{v.Line, fmt.Sprintf("probe.%s: expected %s (%s)", key.Name, what, key.Help)}
	}
	switch {
	case v.Kind == yaml.ScalarNode && key.List:
		var out []string
		for _, x := range strings.Split(v.Value, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			return nil, bad("a list of values")
		}
		return out, nil
	case v.Kind == yaml.ScalarNode:
		if strings.TrimSpace(v.Value) == "" {
			return nil, bad("a value")
		}
		return []string{strings.TrimSpace(v.Value)}, nil
	case v.Kind == yaml.SequenceNode && key.List:
		var out []string
		for _, c := range v.Content {
			if c.Kind != yaml.ScalarNode || strings.TrimSpace(c.Value) == "" {
				return nil, &nodeErr{c.Line, fmt.Sprintf("probe.%s: expected a string", key.Name)}
			}
			out = append(out, strings.TrimSpace(c.Value))
		}
		return out, nil
	}
	if key.List {
		return nil, bad("a string or a list of strings")
	}
	return nil, bad("a single value")
}

// setProbe sets one probe key from outside the probe: section (the
// top-level dkim_selectors).
func setProbe(s *scanners.Settings, name string, vals []string) error {
	key, ok := scanners.LookupSettingKey(name)
	if !ok {
		return fmt.Errorf("checks: no probe setting %q", name)
	}
	return key.Set(s, vals)
}

// ValidateCheckIDs checks the check IDs the policy names (severity
// overrides, waiver check globs) against known, the IDs of the checks this
// build has: an override or waiver for a check that does not exist would
// otherwise be accepted and never apply.
func (p *Policy) ValidateCheckIDs(known []string) error {
	ids := make([]string, 0, len(p.Severity))
	for id := range p.Severity {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return p.sevLines[a] - p.sevLines[b] })
	for _, id := range ids {
		if !slices.Contains(known, id) {
			return &PolicyError{File: p.file, Line: p.sevLines[id],
				Msg: fmt.Sprintf("severity: no check %q%s", id, scanners.DidYouMean(id, known))}
		}
	}
	for _, w := range p.Waivers {
		if w.Check == "" || slices.ContainsFunc(known, func(id string) bool { return globMatch(w.Check, id) }) {
			continue
		}
		return &PolicyError{File: p.file, Line: w.Line,
			Msg: fmt.Sprintf("waivers.check: %q matches no check%s", w.Check, scanners.DidYouMean(w.Check, known))}
	}
	return nil
}

// The patterns match yaml.v3's KnownFields and type-mismatch messages,
// which name Go types; readableYAMLError rewrites them in policy keys.
var (
	yamlUnknownField = regexp.MustCompile(`^field (\S+) not found in type (.+)$`)
	yamlCannot       = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// readableYAMLError rewrites a YAML decoding message in the terms of the
// policy file (its keys), not of the Go types behind it; path is the key at
// the error's line ("thresholds.cert_expiry_days"), "" when unknown.
func readableYAMLError(msg, path string) string {
	if m := yamlUnknownField.FindStringSubmatch(msg); m != nil {
		where := ""
		if i := strings.LastIndex(path, "."); i > 0 {
			where = path[:i] + ": "
		}
		cands := policyKeys()[m[2]]
		return fmt.Sprintf("%sunknown key %q%s; the keys here are %s", where, m[1],
			scanners.DidYouMean(m[1], cands), strings.Join(cands, ", "))
	}
	if m := yamlCannot.FindStringSubmatch(msg); m != nil {
		what := map[string]string{"str": "a string", "int": "a number", "float": "a number", "bool": "true or false",
			"seq": "a list", "map": "a mapping", "null": "nothing"}[m[1]]
		if m[2] != "" {
			what = fmt.Sprintf("%q", m[2])
		}
		if path == "" {
			path = "value"
		}
		return fmt.Sprintf("%s: got %s, expected %s", path, what, goTypeWord(m[3]))
	}
	return msg
}

// goTypeWord names what a Go type expects in YAML words.
func goTypeWord(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "struct"), strings.Contains(t, "."):
		return "a mapping"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	}
	return "another kind of value"
}

// policyKeys maps the Go type names the YAML decoder reports to the keys
// of that level of the policy file.
func policyKeys() map[string][]string {
	out := map[string][]string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == reflect.TypeOf(yaml.Node{}) {
			return
		}
		if _, done := out[t.String()]; done {
			return
		}
		var keys []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			keys = append(keys, name)
		}
		out[t.String()] = keys
		for i := range t.NumField() {
			walk(t.Field(i).Type)
		}
	}
	walk(reflect.TypeOf(policyFile{}))
	return out
}

// lineOf returns the line of the dotted key path in the document, or 0.
func lineOf(doc *yaml.Node, path string) int {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, k := range strings.Split(path, ".") {
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				line, n, found = n.Content[i].Line, n.Content[i+1], true
				break
			}
		}
		if !found {
			return line
		}
	}
	return line
}

// keyAt returns the dotted key path of the deepest mapping entry at line
// of the document, or "".
func keyAt(doc *yaml.Node, line int) string {
	if doc == nil {
		return ""
	}
	best := ""
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, path+"[]")
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if k.Line == line || (v.Kind == yaml.ScalarNode && v.Line == line) {
					best = p
				}
				walk(v, p)
			}
		}
	}
	walk(doc, "")
	return best
}
