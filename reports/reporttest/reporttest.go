// Package reporttest holds what report tests share: the schema validator
// (the JSON writer's golden tests, the CLI's lab tests) and the full fixture.
package reporttest

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"shindan/reports"
)

// SchemaPath is the repository's copy of shared/spec/report.schema.json.
func SchemaPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "report.schema.json")
}

// Schema compiles the report schema with format assertions on.
func Schema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	return CompileSchema(t, SchemaPath())
}

// CompileSchema compiles the JSON schema at path with format assertions
// on (ours, or the shared spec's copy it must stay compatible with).
func CompileSchema(t testing.TB, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Validate returns the schema violations of report bytes b, or nil.
func Validate(t testing.TB, s *jsonschema.Schema, b []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

// Full decodes reports/testdata/full.json, the fixture with every status,
// severity, article form and bilingual text that the writers' golden tests
// render.
func Full(t testing.TB) *reports.Report {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "testdata", "full.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := reports.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
