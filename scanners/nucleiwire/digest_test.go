package nucleiwire

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTemplateDigest(t *testing.T) {
	a, err := TemplateDigest("")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := TemplateDigest("")
	if a != b || !strings.Contains(a, "sha256:") {
		t.Fatalf("digest %q / %q must be stable", a, b)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.yaml"), []byte("id: x\n"), 0o644)
	c, err := TemplateDigest(dir)
	if err != nil || c == a {
		t.Fatalf("a user template must change the digest: %q vs %q (%v)", c, a, err)
	}
	if _, err := TemplateDigest(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing --templates directory must be an error")
	}
}
