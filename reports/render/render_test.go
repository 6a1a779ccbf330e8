package render

import (
	"bytes"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"shindan/reports"
)

func TestEveryFormatRenders(t *testing.T) {
	b, err := os.ReadFile("../testdata/full.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := reports.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range Formats {
		name := FileName(f)
		if name == "" || names[name] || !strings.HasPrefix(name, "report.") {
			t.Errorf("%s: file name %q", f, name)
		}
		names[name] = true
		for _, lang := range Langs {
			w, err := Writer(f, lang)
			if err != nil {
				t.Fatalf("%s/%s: %v", f, lang, err)
			}
			var buf bytes.Buffer
			if err := w.Write(&buf, r); err != nil {
				t.Fatalf("%s/%s: %v", f, lang, err)
			}
			if buf.Len() == 0 {
				t.Errorf("%s/%s: empty output", f, lang)
			}
			// Language-specific formats really switch language.
			if f != "json" && f != "xlsx" { // xlsx is zipped; xlsxreport reads it back

				has := strings.Contains(buf.String(), "メールの不正中継")
				if has != (lang == "ja") {
					t.Errorf("%s/%s: Japanese title present=%v", f, lang, has)
				}
			}
		}
	}
	if FileName("odt") != "" {
		t.Error("unknown format has a file name")
	}
}

func TestWriterErrors(t *testing.T) {
	for _, c := range [][2]string{{"odt", "ja"}, {"pdf", "en"}, {"", "en"}, {"html", "fr"}, {"json", ""}} {
		if w, err := Writer(c[0], c[1]); err == nil || w != nil {
			t.Errorf("Writer(%q, %q) = %v, %v; want an error", c[0], c[1], w, err)
		}
	}
}

func TestRegister(t *testing.T) {
	saved := slices.Clone(Formats)
	t.Cleanup(func() { Formats = saved; delete(extra, "test-x") })
	Register("test-x", "report.x", func(lang string) reports.Writer { return langWriter(lang) })
	if !slices.Contains(Formats, "test-x") || FileName("test-x") != "report.x" {
		t.Fatalf("registered format missing: %v, %q", Formats, FileName("test-x"))
	}
	w, err := Writer("test-x", "ja")
	if err != nil || w.(langWriter) != "ja" {
		t.Fatalf("Writer = %v, %v", w, err)
	}
	if _, err := Writer("test-x", "fr"); err == nil {
		t.Error("a registered format accepted language fr")
	}
	defer func() {
		if recover() == nil {
			t.Error("registering html again did not panic")
		}
	}()
	Register("html", "report.html", nil)
}

type langWriter string

func (langWriter) Write(io.Writer, *reports.Report) error { return nil }
