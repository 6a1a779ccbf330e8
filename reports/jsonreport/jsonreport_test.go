package jsonreport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"shindan/reports/reporttest"

	"shindan/reports"
)

var update = flag.Bool("update", false, "rewrite golden files")

func loadFull(t *testing.T) *reports.Report { return reporttest.Full(t) }

func compileSchema(t *testing.T) *jsonschema.Schema { return reporttest.Schema(t) }

func validate(t *testing.T, s *jsonschema.Schema, b []byte) error {
	return reporttest.Validate(t, s, b)
}

func render(t *testing.T, r *reports.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (Writer{}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	r := loadFull(t)
	got := render(t, r)
	golden := filepath.Join("testdata", "full.json.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s; rerun with -update and review the diff", golden)
	}
	if !bytes.HasSuffix(got, []byte("}\n")) || bytes.HasSuffix(got, []byte("\n\n")) {
		t.Error("want exactly one trailing newline")
	}
	if !bytes.Contains(got, []byte("\n  \"tool\": {\n    \"name\"")) {
		t.Error("want two-space indentation")
	}
}

func TestValidatesAgainstSchema(t *testing.T) {
	s := compileSchema(t)
	got := render(t, loadFull(t))
	if err := validate(t, s, got); err != nil {
		t.Fatalf("rendered report does not validate: %v", err)
	}
	// The minimal report (no assets, no findings) validates too: findings
	// must still be an array.
	min := &reports.Report{Tool: reports.Tool{Name: "shindan", Version: "x"}, Scan: reports.Scan{ID: "s", Targets: []string{}}}
	b := render(t, min)
	if !bytes.Contains(b, []byte(`"findings": []`)) {
		t.Errorf("empty findings not written as []:\n%s", b)
	}
	if err := validate(t, s, b); err != nil {
		t.Fatalf("minimal report does not validate: %v\n%s", err, b)
	}
}

// The schema must actually catch what the writer could get wrong;
// otherwise the validation test above proves nothing.
func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	good := string(render(t, loadFull(t)))
	cases := map[string][2]string{
		"bad status":      {`"status": "warn"`, `"status": "maybe"`},
		"bad article":     {`"61-1-1"`, `"61.1.1"`},
		"bad date-time":   {`"started_at": "2025-04-01T09:00:00+09:00"`, `"started_at": "2025-04-01 09:00"`},
		"bad date":        {`"until": "2025-12-31"`, `"until": "2025-13-45"`},
		"bad severity":    {`"severity": "critical"`, `"severity": "severe"`},
		"text needs en":   {`"en": "Open mail relay"`, `"fr": "Relais ouvert"`},
		"bad asset proto": {`"proto": "udp",` + "\n" + `          "service": "domain"`, `"proto": "sctp",` + "\n" + `          "service": "domain"`},
	}
	for name, c := range cases {
		if !strings.Contains(good, c[0]) {
			t.Fatalf("%s: fixture lacks %q", name, c[0])
		}
		bad := strings.Replace(good, c[0], c[1], 1)
		if err := validate(t, s, []byte(bad)); err == nil {
			t.Errorf("%s: schema accepted %q", name, c[1])
		}
	}
}

func TestDeterministicAndNoMutation(t *testing.T) {
	r := loadFull(t)
	before := *r
	firstIDs := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		firstIDs[i] = f.ID
	}
	a := render(t, r)
	b := render(t, r)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same report differ")
	}
	for i, f := range r.Findings {
		if f.ID != firstIDs[i] {
			t.Fatalf("Write reordered the caller's findings: %d is %s, was %s", i, f.ID, firstIDs[i])
		}
	}
	if r.Summary != nil || before.Summary != nil {
		t.Fatal("Write filled the caller's summary")
	}
	if r.Assets[0].Services[0].Port != 587 {
		t.Fatal("Write sorted the caller's services")
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	r := loadFull(t)
	out := render(t, r)
	back, err := reports.Decode(out)
	if err != nil {
		t.Fatalf("Decode of our own output: %v", err)
	}
	again := render(t, back)
	if !bytes.Equal(out, again) {
		t.Fatal("render → Decode → render is not stable")
	}
	want := *r
	want.Normalize()
	if !reflect.DeepEqual(back.Summary, want.Summary) {
		t.Errorf("summary after round trip: %+v, want %+v", back.Summary, want.Summary)
	}
	if len(back.Findings) != len(r.Findings) || back.Findings[0].Status != "fail" || back.Findings[0].Severity != "critical" {
		t.Errorf("findings not in canonical order after round trip: first is %+v", back.Findings[0])
	}
}
