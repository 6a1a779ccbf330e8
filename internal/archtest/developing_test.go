package archtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDevelopingPathsExist keeps DEVELOPING.md's worked example true: every
// file or folder it names in backquotes exists, and every test function it
// names is declared in one of the files it names.
func TestDevelopingPathsExist(t *testing.T) {
	const root = "../.."
	b, err := os.ReadFile(filepath.Join(root, "DEVELOPING.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i := strings.Index(doc, "## Adding a check end to end")
	if i < 0 {
		t.Fatal("DEVELOPING.md has no worked example section")
	}
	section := doc[i:]
	if j := strings.Index(section[3:], "\n## "); j >= 0 {
		section = section[:j+3]
	}
	pathRE := regexp.MustCompile("`([a-z][a-z0-9_.-]*(?:/[A-Za-z0-9_.-]+)+)`")
	testRE := regexp.MustCompile("`(Test[A-Za-z0-9_]+)")
	var files []string
	for _, m := range pathRE.FindAllStringSubmatch(section, -1) {
		p := m[1]
		if strings.HasPrefix(p, "shindan/") { // an import path, not a file
			p = strings.TrimPrefix(p, "shindan/")
		}
		st, err := os.Stat(filepath.Join(root, p))
		if err != nil {
			t.Errorf("DEVELOPING.md names %s, which does not exist", m[1])
			continue
		}
		if !st.IsDir() {
			files = append(files, filepath.Join(root, p))
		}
	}
	if len(files) < 5 {
		t.Fatalf("the worked example names only %d files", len(files))
	}
	for _, m := range testRE.FindAllStringSubmatch(section, -1) {
		found := false
		for _, f := range files {
			src, _ := os.ReadFile(f)
			if strings.Contains(string(src), "func "+m[1]+"(") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("DEVELOPING.md names %s, which no file it names declares", m[1])
		}
	}
}
