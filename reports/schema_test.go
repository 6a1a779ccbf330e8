package reports_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"shindan/reports"
	"shindan/reports/jsonreport"
	"shindan/reports/reporttest"
)

// testdata/shared-report.schema.json is a verbatim copy of
// shared/spec/report.schema.json, the published contract.
const sharedSchema = "testdata/shared-report.schema.json"

func TestSharedCopyIsVerbatim(t *testing.T) {
	shared, err := os.ReadFile("../../shared/spec/report.schema.json")
	if os.IsNotExist(err) {
		t.Skip("shared spec not checked out next to the repository; testdata copy stands in")
	}
	if err != nil {
		t.Fatal(err)
	}
	local, err := os.ReadFile(sharedSchema)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, local) {
		t.Fatalf("%s differs from shared/spec/report.schema.json", sharedSchema)
	}
}

func loadJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// annotations carry no constraint; adding or rewording them is compatible.
var annotations = []string{"description", "title", "$comment", "examples"}

// extends reports why ours is not a compatible extension of shared at
// path: every constraint of shared must be in ours unchanged, except that
// ours may add properties (objects are open in shared), widen enums and
// require less.
func extends(path string, shared, ours any) []string {
	sm, sok := shared.(map[string]any)
	om, ook := ours.(map[string]any)
	if !sok || !ook {
		if !reflect.DeepEqual(shared, ours) {
			return []string{fmt.Sprintf("%s: %v became %v", path, shared, ours)}
		}
		return nil
	}
	var errs []string
	for k, sv := range sm {
		if slices.Contains(annotations, k) {
			continue
		}
		ov, ok := om[k]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s/%s: removed", path, k))
			continue
		}
		switch k {
		case "properties", "$defs":
			sp, op := sv.(map[string]any), ov.(map[string]any)
			for name, s := range sp {
				o, ok := op[name]
				if !ok {
					errs = append(errs, fmt.Sprintf("%s/%s/%s: removed", path, k, name))
					continue
				}
				errs = append(errs, extends(path+"/"+k+"/"+name, s, o)...)
			}
		case "enum":
			for _, v := range sv.([]any) {
				if !slices.Contains(ov.([]any), v) {
					errs = append(errs, fmt.Sprintf("%s/enum: %v dropped", path, v))
				}
			}
		case "required":
			for _, v := range ov.([]any) {
				if !slices.Contains(sv.([]any), v) {
					errs = append(errs, fmt.Sprintf("%s/required: %v newly required", path, v))
				}
			}
		default:
			errs = append(errs, extends(path+"/"+k, sv, ov)...)
		}
	}
	for k := range om {
		if _, inShared := sm[k]; !inShared && k != "properties" && k != "$defs" && !slices.Contains(annotations, k) {
			errs = append(errs, fmt.Sprintf("%s/%s: new constraint", path, k))
		}
	}
	return errs
}

func TestSchemaIsCompatibleExtension(t *testing.T) {
	errs := extends("#", loadJSON(t, sharedSchema), loadJSON(t, reporttest.SchemaPath()))
	for _, e := range errs {
		t.Error(e)
	}
	// The checker itself must catch a tightening.
	tight := loadJSON(t, sharedSchema)
	tight["additionalProperties"] = false
	tight["required"] = append(tight["required"].([]any), "assets")
	if got := extends("#", loadJSON(t, sharedSchema), tight); len(got) != 2 {
		t.Errorf("tightened schema passed the extension check: %v", got)
	}
}

// groupedReport is the full fixture plus a grouped finding with waived,
// failing and passing items, as the engine writes it.
func groupedReport(t *testing.T) []byte {
	r := reporttest.Full(t)
	at := r.Scan.StartedAt
	var fs []reports.Finding
	for i, s := range []string{"TLS_RSA_WITH_RC4_128_SHA", "TLS_AES_128_GCM_SHA256", "TLS_RSA_WITH_3DES_EDE_CBC_SHA"} {
		st := []string{"fail", "pass", "warn"}[i]
		f := reports.Finding{
			ID: reports.FindingID("tls.ciphers", "198.51.100.9:443", s), Check: "tls.ciphers", Articles: []string{"67-3"},
			Target: "198.51.100.9:443", Host: "198.51.100.9", Port: 443, Proto: "tcp", Subject: s,
			Status: st, Severity: map[string]string{"fail": "high", "warn": "medium", "pass": "none"}[st],
			Title:    &reports.Text{JA: "暗号スイート", EN: "Cipher suites"},
			Detail:   &reports.Text{JA: s + " を受理", EN: s + " accepted"},
			Evidence: []reports.Evidence{{Kind: "tls", Summary: "ServerHello " + s}}, Source: "builtin", ObservedAt: &at,
		}
		if i == 2 {
			f.Waiver = &reports.Waiver{Reason: "legacy client", Until: "2099-12-31", By: "CISO"}
		}
		fs = append(fs, f)
	}
	r.Findings = reports.Group(append(r.Findings, fs...), nil)
	var buf bytes.Buffer
	if err := (jsonreport.Writer{}).Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReportsValidUnderBoth: what the shared schema accepts, ours accepts,
// and what we write now (grouped) is valid under both.
func TestReportsValidUnderBoth(t *testing.T) {
	shared, ours := reporttest.CompileSchema(t, sharedSchema), reporttest.Schema(t)
	fixtures, _ := filepath.Glob("*/testdata/*.json*")
	fixtures = append(fixtures, "testdata/full.json")
	n := 0
	for _, p := range fixtures {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if json.Valid(b) && reporttest.Validate(t, shared, b) == nil {
			n++
			if err := reporttest.Validate(t, ours, b); err != nil {
				t.Errorf("%s: valid under the shared schema but not under ours: %v", p, err)
			}
		}
	}
	if n < 2 {
		t.Fatalf("only %d fixtures are reports valid under the shared schema", n)
	}
	g := groupedReport(t)
	for name, s := range map[string]*jsonschema.Schema{"ours": ours, "shared": shared} {
		if err := reporttest.Validate(t, s, g); err != nil {
			t.Errorf("grouped report invalid under %s: %v", name, err)
		}
	}
	r, err := reports.Decode(g)
	if err != nil {
		t.Fatal(err)
	}
	var grouped *reports.Finding
	for i := range r.Findings {
		if r.Findings[i].Check == "tls.ciphers" {
			grouped = &r.Findings[i]
		}
	}
	if grouped == nil || len(grouped.Items) != 3 || grouped.Status != "fail" || grouped.Items[1].Waiver == nil {
		t.Fatalf("grouped finding did not survive the round trip: %+v", grouped)
	}
	// Our schema checks items: a bad item status is rejected.
	bad := bytes.Replace(g, []byte(`"status": "warn",
          "severity": "medium"`), []byte(`"status": "maybe",
          "severity": "medium"`), 1)
	if bytes.Equal(bad, g) {
		t.Fatal("fixture text to corrupt not found")
	}
	if reporttest.Validate(t, ours, bad) == nil {
		t.Error("an item with status \"maybe\" validates")
	}
}
