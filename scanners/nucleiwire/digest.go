package nucleiwire

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// TemplateDigest names the template set for the report (tool.nuclei_templates):
// the number of templates and a SHA-256 over their paths and contents,
// the embedded curated set first, then the user's directory (extra, as given
// to --templates). Templates change often (pitfalls §7.3), so two reports
// are comparable only when their digests match.
func TemplateDigest(extra ...string) (string, error) {
	h := sha256.New()
	n := 0
	add := func(name string, b []byte) {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
		n++
	}
	err := fs.WalkDir(embedded, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(path)
		if err == nil {
			add("embedded/"+path, b)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	for _, extra := range extra {
		if extra == "" {
			continue
		}
		var files []string
		err := filepath.WalkDir(extra, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (filepath.Ext(path) == ".yaml" || filepath.Ext(path) == ".yml") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("nucleiwire: --templates: %w", err)
		}
		slices.Sort(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return "", fmt.Errorf("nucleiwire: --templates: %w", err)
			}
			rel, _ := filepath.Rel(extra, f)
			add("user/"+rel, b)
		}
	}
	return fmt.Sprintf("%d templates, sha256:%s", n, hex.EncodeToString(h.Sum(nil))[:16]), nil
}
