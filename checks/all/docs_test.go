package all

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shindan/checks"
)

var update = flag.Bool("update", false, "rewrite docs/checks.md from the registry")

// docsFile is the checks page that SARIF rules link to (helpUri, see
// reports/sarifreport HelpBase): one section per check, anchored by its
// ID, so a link names the check exactly as the report does.
var docsFile = filepath.Join("..", "..", "docs", "checks.md")

// checksDoc renders the catalog of registered checks in both languages.
// Every text comes from the checks' Info, so the page cannot say what the
// checks do not.
func checksDoc() []byte {
	var b bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	all := checks.Default.All()
	p("# shindan checks / 検査項目\n\n")
	p("<!-- Generated from the check registry by `go test ./checks/all -update`; do not edit. -->\n\n")
	p("Every check shindan runs, with the articles of the standard it gives evidence for, what it\n")
	p("verifies and how to fix a failure. SARIF reports link each rule to its section here.\n")
	p("shindan が実行する検査項目の一覧です。各項目の対象条項、確認内容、不適合時の対処を示します。\n")
	p("SARIF 形式の報告書は各ルールからこの節を参照します。\n\n")
	p("| ID | 検査項目 | Check | 条項 / Articles |\n|---|---|---|---|\n")
	for _, c := range all {
		in := c.Info()
		p("| [`%s`](#%s) | %s | %s | %s |\n", in.ID, in.ID, cell(in.Title.JA), cell(in.Title.EN), strings.Join(in.Articles, ", "))
	}
	for _, c := range all {
		in := c.Info()
		p("\n<a id=\"%s\"></a>\n\n## %s\n\n", in.ID, in.ID)
		p("**%s** / **%s**\n\n", in.Title.JA, in.Title.EN)
		p("- 条項 / Articles:")
		for i, ref := range in.Articles {
			sep := ","
			if i == 0 {
				sep = ""
			}
			if a, ok := checks.ArticleByNumber(checks.ArticleNumber(ref)); ok {
				p("%s %s（%s / %s）", sep, ref, a.Title.JA, a.Title.EN)
			} else {
				p("%s %s", sep, ref)
			}
		}
		p("\n- 既定の重大度 / Default severity: %s\n", in.Severity)
		p("- 使用するプローブ / Probes: %s\n", "`"+strings.Join(in.Needs, "`, `")+"`")
		if in.Detail != (checks.Text{}) {
			p("\n確認内容: %s\n\nWhat it verifies: %s\n", in.Detail.JA, in.Detail.EN)
		}
		if in.Remediation != (checks.Text{}) {
			p("\n対処: %s\n\nRemediation: %s\n", in.Remediation.JA, in.Remediation.EN)
		}
	}
	return b.Bytes()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// TestChecksDoc keeps docs/checks.md what the registry says; -update
// rewrites it.
func TestChecksDoc(t *testing.T) {
	want := checksDoc()
	if *update {
		if err := os.WriteFile(docsFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docsFile)
	if err != nil {
		t.Fatalf("%v (go test ./checks/all -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test ./checks/all -update and commit it", docsFile)
	}
	for _, c := range checks.Default.All() {
		if id := c.Info().ID; !bytes.Contains(got, []byte(`<a id="`+id+`"></a>`)) {
			t.Errorf("%s has no anchor for %s", docsFile, id)
		}
	}
}
