package nucleiwire

import (
	"io/fs"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// builtinDecides is what the built-in checks already decide on every web
// endpoint (checks.md; scanners/httpscan/lists.go for the exposed files):
// a curated template that requests one of these paths or methods, or
// matches the Server header, would report the same fact twice.
var builtinDecides = struct{ paths, methods, words []string }{
	paths: []string{"/.env", "/.git/", "/.svn/", "/.hg/", "/server-status", "/server-info", "/phpinfo.php", "/info.php",
		"/test.php", "/.DS_Store", "/backup", ".sql", ".bak", "~"},
	methods: []string{"TRACE", "TRACK", "PROPFIND", "PUT", "DELETE", "OPTIONS"},
	words:   []string{"Index of /", "Directory listing for", "[core]", "Apache Server Status"},
}

type template struct {
	ID   string `yaml:"id"`
	Info struct {
		Tags string `yaml:"tags"`
	} `yaml:"info"`
	HTTP []struct {
		Method   string   `yaml:"method"`
		Path     []string `yaml:"path"`
		Raw      []string `yaml:"raw"`
		Matchers []struct {
			Part  string   `yaml:"part"`
			Words []string `yaml:"words"`
			Regex []string `yaml:"regex"`
		} `yaml:"matchers"`
	} `yaml:"http"`
}

// TestCuratedSetAddsToBuiltins: the curated templates cover what the
// built-ins cannot (product- and version-specific CVEs, particular
// products' exposures and default logins), never a built-in's subject.
func TestCuratedSetAddsToBuiltins(t *testing.T) {
	n := 0
	err := fs.WalkDir(embedded, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(embedded, path)
		if err != nil {
			return err
		}
		var tp template
		if err := yaml.Unmarshal(b, &tp); err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		n++
		for _, h := range tp.HTTP {
			reqs := h.Path
			method := h.Method
			for _, raw := range h.Raw {
				line, _, _ := strings.Cut(strings.TrimSpace(raw), "\n")
				if m, rest, ok := strings.Cut(line, " "); ok {
					method = m
					p, _, _ := strings.Cut(rest, " ")
					reqs = append(reqs, p)
				}
			}
			for _, m := range builtinDecides.methods {
				if strings.EqualFold(method, m) {
					t.Errorf("%s: method %s is http.methods' to decide", tp.ID, m)
				}
			}
			for _, p := range reqs {
				p = strings.TrimPrefix(p, "{{BaseURL}}")
				for _, bp := range builtinDecides.paths {
					if strings.HasPrefix(p, bp) || strings.HasSuffix(p, bp) {
						t.Errorf("%s: path %s is http.exposed-files' to decide", tp.ID, p)
					}
				}
			}
			for _, m := range h.Matchers {
				if strings.EqualFold(m.Part, "header") {
					for _, w := range append(m.Words, m.Regex...) {
						if strings.Contains(strings.ToLower(w), "server") {
							t.Errorf("%s: matching the Server header is http.info-disclosure's", tp.ID)
						}
					}
				}
				for _, w := range m.Words {
					for _, bw := range builtinDecides.words {
						if strings.Contains(w, bw) {
							t.Errorf("%s: matcher %q re-detects a built-in's subject", tp.ID, w)
						}
					}
				}
			}
		}
		if !strings.Contains(tp.Info.Tags, "cve") && !strings.Contains(tp.Info.Tags, "default-login") {
			t.Errorf("%s: curated templates are CVEs or product default logins (tags %q)", tp.ID, tp.Info.Tags)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no curated template embedded")
	}
}
