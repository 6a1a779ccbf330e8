package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// parserName matches the functions the fuzz-coverage rule is about: they
// turn outside bytes (a reply, a file, a record) into values.
var parserName = regexp.MustCompile(`^(?i:parse|decode|unmarshal|read)[A-Z0-9]?`)

// fuzzExempt are packages that hold parser-named functions which do not
// read untrusted bytes, each with the reason.
var fuzzExempt = map[string]string{
	"cmd/shindan":                            "command-line flags; the values reach targets.Parse, checks.ParsePolicy and portscan.ParseSpec, which are fuzzed",
	"internal/netlab":                        "reads the lab's own hosts.json, written by testdata/lab/lab",
	"checks/tlscheck/internal/genpolicy":     "code generator over the repository's tls-policy.yaml",
	"checks/tlscheck/internal/genpolicy/cmd": "code generator",
	"scanners/tlsscan/internal/gensuites":    "code generator over the IANA registry copy in the repository",
	"bench/portscan/connectdriver":           "benchmark driver",
	"bench/portscan/syndriver":               "benchmark driver",
	"bench/tls/driver":                       "benchmark driver",
	"internal/hostile":                       "in-process hostile servers for tests; readFull reads the scanner's own requests",
	"internal/store":                         "parseStamp reads timestamps the store wrote itself in one fixed layout; reports enter the store through reports.Decode, which is fuzzed",
}

// TestFuzzCoverage enforces the rule of DEVELOPING.md that every parser of
// untrusted bytes has a Fuzz target (zgrab2's check-fuzz-coverage idea):
// a package with a function whose name starts with Parse, Decode,
// Unmarshal or Read and that takes bytes, a string or a reader must have
// a FuzzXxx function in its tests. Generated files are not looked at.
func TestFuzzCoverage(t *testing.T) {
	root := moduleRoot(t)
	needs := map[string][]string{} // package dir → parser functions
	fuzzed := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "testdata", "third_party", "node_modules", ".git", "out", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil
		}
		test := strings.HasSuffix(path, "_test.go")
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if test {
				if strings.HasPrefix(fn.Name.Name, "Fuzz") && fn.Recv == nil {
					fuzzed[rel] = true
				}
				continue
			}
			if parserName.MatchString(fn.Name.Name) && takesBytes(fn) {
				needs[rel] = append(needs[rel], fn.Name.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for dir, fns := range needs {
		if fuzzed[dir] {
			continue
		}
		if _, ok := fuzzExempt[dir]; ok {
			continue
		}
		slices.Sort(fns)
		missing = append(missing, dir+" ("+strings.Join(slices.Compact(fns), ", ")+")")
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("parser without a Fuzz target: %s", m)
	}
	for dir := range fuzzExempt {
		if _, err := os.Stat(filepath.Join(root, dir)); err != nil {
			t.Errorf("fuzzExempt names %s, which does not exist", dir)
		}
	}
}

// takesBytes reports whether a function has a []byte, string, io.Reader
// or *bufio.Reader parameter.
func takesBytes(fn *ast.FuncDecl) bool {
	for _, p := range fn.Type.Params.List {
		switch e := p.Type.(type) {
		case *ast.ArrayType:
			if id, ok := e.Elt.(*ast.Ident); ok && e.Len == nil && id.Name == "byte" {
				return true
			}
		case *ast.Ident:
			if e.Name == "string" {
				return true
			}
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok && (x.Name == "io" && e.Sel.Name == "Reader") {
				return true
			}
		case *ast.StarExpr:
			if s, ok := e.X.(*ast.SelectorExpr); ok {
				if x, ok := s.X.(*ast.Ident); ok && x.Name == "bufio" && s.Sel.Name == "Reader" {
					return true
				}
			}
		}
	}
	return false
}

// moduleRoot is the repository root: this package is internal/archtest.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s", root)
	}
	return root
}
