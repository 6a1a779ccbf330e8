package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// collect decodes b with DecodeStream into a Report.
func collect(b []byte) (*Report, int, error) {
	var r Report
	headers := 0
	err := DecodeStream(bytes.NewReader(b), StreamHandler{
		Header: func(h *Report) error {
			headers++
			r.SchemaVersion, r.Tool, r.Scan, r.Summary, r.Baseline = h.SchemaVersion, h.Tool, h.Scan, h.Summary, h.Baseline
			return nil
		},
		Asset:   func(a *Asset) error { r.Assets = append(r.Assets, *a); return nil },
		Finding: func(f *Finding) error { r.Findings = append(r.Findings, *f); return nil },
	})
	return &r, headers, err
}

func TestDecodeStreamMatchesDecode(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "full.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	// The same report with the arrays before the header: read twice.
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var reordered bytes.Buffer
	reordered.WriteString("{\n")
	keys := []string{"findings", "assets", "scan", "schema_version", "tool", "summary"}
	for i, k := range keys {
		if _, ok := m[k]; !ok {
			continue
		}
		if i > 0 {
			reordered.WriteString(",\n")
		}
		reordered.WriteString(`"` + k + `": `)
		reordered.Write(m[k])
	}
	reordered.WriteString("\n}\n")
	for name, in := range map[string][]byte{"as written": b, "arrays first": reordered.Bytes()} {
		got, headers, err := collect(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if headers != 1 {
			t.Errorf("%s: Header called %d times", name, headers)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Errorf("%s: streamed report differs from Decode's", name)
		}
		if len(got.Findings) == 0 || len(got.Assets) == 0 {
			t.Errorf("%s: fixture streamed %d findings, %d assets", name, len(got.Findings), len(got.Assets))
		}
	}
}

func TestDecodeStreamErrors(t *testing.T) {
	head := "{\n\"schema_version\": \"1\",\n\"tool\": {\"name\": \"shindan\", \"version\": \"t\"},\n\"scan\": {\"id\": \"S\", \"started_at\": \"2026-12-01T00:00:00Z\", \"complete\": true},\n"
	good := `{"id": "F1", "check": "c", "articles": ["59-1"], "target": "t", "status": "pass"}`
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", "report: empty input"},
		{"not an object", "[]", "not a JSON object"},
		{"bad finding", head + "\"findings\": [\n" + good + ",\n{\"id\": \"F2\", \"check\": \"c\", \"articles\": [\"59-1\"], \"target\": \"t\", \"status\": \"bogus\"}\n]}", "line 7: findings[1]: id, check, articles, target and a valid status are required"},
		{"bad item", head + "\"findings\": [{\"id\": \"F\", \"check\": \"c\", \"articles\": [\"59-1\"], \"target\": \"t\", \"status\": \"fail\", \"items\": [{\"id\": \"\", \"subject\": \"s\", \"status\": \"fail\"}]}]}", "findings[0].items[0]: id and a valid status"},
		{"unknown field in finding", head + "\"findings\": [\n{\"id\": \"F1\", \"bogus\": 1}]}", `line 6: findings[0]: json: unknown field "bogus"`},
		{"unknown top-level key", head + "\"findingz\": []}", `line 5: json: unknown field "findingz"`},
		{"type error", head + "\"findings\": [\n{\"id\": 7}]}", "line 6: findings[0]: json: cannot unmarshal number"},
		{"truncated", head + "\"findings\": [\n" + good, "truncated"},
		{"trailing data", head + "\"findings\": []}\n{}", "line 6: data after the report object"},
		{"duplicate key", head + "\"findings\": [],\n\"findings\": []}", `line 6: key "findings" appears twice`},
		{"no findings", head + "\"assets\": []}", "findings are required"},
		{"null findings", head + "\"findings\": null}", "findings are required"},
		{"wrong schema", strings.Replace(head, `"1"`, `"9"`, 1) + "\"findings\": []}", `schema_version "9" is not "1"`},
		{"no scan id", strings.Replace(head, `"id": "S"`, `"id": ""`, 1) + "\"findings\": []}", "scan.id"},
		{"findings not an array", head + "\"findings\": {}}", "field findings: not an array"},
	} {
		_, _, err := collect([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	if _, _, err := collect([]byte(head + "\"findings\": [" + good + "]}")); err != nil {
		t.Errorf("minimal report: %v", err)
	}
}

// FuzzDecodeStream: no input panics, and whatever DecodeStream accepts,
// Decode accepts with the same findings.
func FuzzDecodeStream(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "full.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"schema_version":"1","tool":{"name":"x"},"scan":{"id":"s"},"findings":[]}`))
	f.Add([]byte(`{"findings":[{"id":"F","check":"c","articles":["a"],"target":"t","status":"pass"}],"schema_version":"1","tool":{"name":"x"},"scan":{"id":"s"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, _, err := collect(b)
		if err != nil {
			return
		}
		want, err := Decode(b)
		if err != nil {
			t.Fatalf("DecodeStream accepted what Decode refuses: %v", err)
		}
		if len(got.Findings) != len(want.Findings) || len(got.Assets) != len(want.Assets) {
			t.Fatalf("streamed %d findings %d assets, Decode %d and %d", len(got.Findings), len(got.Assets), len(want.Findings), len(want.Assets))
		}
	})
}
