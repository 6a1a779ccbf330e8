package all

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"shindan/checks"
)

// specRows reads the check tables of shared/spec/checks.md: ID → articles.
func specRows(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "spec", "checks.md"))
	if err != nil {
		t.Skipf("shared/spec/checks.md not beside the repository: %v", err)
	}
	row := regexp.MustCompile(`^\| ([a-z0-9]+\.[a-z0-9-]+) \| ([^|]+) \|`)
	out := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			var arts []string
			for _, a := range strings.Split(m[2], ",") {
				arts = append(arts, strings.TrimSpace(a))
			}
			out[m[1]] = arts
		}
	}
	if len(out) < 30 {
		t.Fatalf("parsed only %d rows from checks.md", len(out))
	}
	return out
}

// TestRegistryMatchesSpec keeps the registered catalog and checks.md in
// sync: every registered check exists in the spec with exactly its
// articles, and every check has Japanese and English texts.
func TestRegistryMatchesSpec(t *testing.T) {
	spec := specRows(t)
	var missing []string
	for _, c := range checks.Default.All() {
		in := c.Info()
		arts, ok := spec[in.ID]
		if !ok {
			t.Errorf("%s is registered but not in checks.md (IDs are public: add it to the spec first)", in.ID)
			continue
		}
		if !slices.Equal(arts, in.Articles) {
			t.Errorf("%s: articles %v, checks.md says %v", in.ID, in.Articles, arts)
		}
		if in.Title.JA == "" || in.Title.EN == "" {
			t.Errorf("%s: title missing a language", in.ID)
		}
	}
	for id := range spec {
		if _, ok := checks.Default.Get(id); !ok {
			missing = append(missing, id)
		}
	}
	slices.Sort(missing)
	t.Logf("checks.md rows not in this build: %v", missing)
}

func TestSelect(t *testing.T) {
	all := checks.Default.All()
	got, err := checks.Default.Select("")
	if err != nil || len(got) != len(all) {
		t.Fatalf("empty glob: %d checks, %v", len(got), err)
	}
	got, err = checks.Default.Select("service.*,-service.exposed")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		if !strings.HasPrefix(c.Info().ID, "service.") || c.Info().ID == "service.exposed" {
			t.Errorf("selected %s", c.Info().ID)
		}
	}
	if _, err := checks.Default.Select("servce.*"); err == nil {
		t.Error("a glob matching nothing must be an error")
	}
	if _, err := checks.Default.Select("[bad"); err == nil {
		t.Error("a malformed glob must be an error")
	}
	if got := checks.Default.ByArticle("59"); len(got) == 0 {
		t.Error("article 59 has checks")
	}
}
