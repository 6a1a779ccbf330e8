package rendutil

import "testing"

func TestChapter(t *testing.T) {
	for ref, want := range map[string]int{"1": 1, "2-1": 1, "15": 2, "16-4-2": 3, "44": 3, "44の2-1": 4, "61-1-1": 4, "72": 4, "73": 5, "78-1": 6, "84": 6, "85": 7, "87": 8} {
		if n, title, ok := Chapter("ja", ref); !ok || n != want || title == "" {
			t.Errorf("Chapter(%s) = %d %q %v, want %d", ref, n, title, ok, want)
		}
	}
	for _, ref := range []string{"88", "0", "x", ""} {
		if _, _, ok := Chapter("en", ref); ok {
			t.Errorf("Chapter(%q) accepted", ref)
		}
	}
	// Every article of the catalog falls in a chapter.
	for _, a := range articleTitles {
		if _, _, ok := Chapter("en", a.Number); !ok {
			t.Errorf("article %s has no chapter", a.Number)
		}
	}
}
