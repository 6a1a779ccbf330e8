package checks

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func articleOrder(t *testing.T, n string) [2]int {
	t.Helper()
	num, sub, hasSub := strings.Cut(n, "の")
	a, err := strconv.Atoi(num)
	if err != nil {
		t.Fatalf("bad article number %q", n)
	}
	b := 0
	if hasSub {
		if b, err = strconv.Atoi(sub); err != nil || b == 0 {
			t.Fatalf("bad article number %q", n)
		}
	}
	return [2]int{a, b}
}

func TestArticlesComplete(t *testing.T) {
	if len(Articles) != 88 {
		t.Fatalf("%d articles, want 88 (1–87 and 44の2)", len(Articles))
	}
	seen := map[string]bool{}
	prev := [2]int{0, 0}
	for _, a := range Articles {
		if seen[a.Number] {
			t.Errorf("duplicate article %s", a.Number)
		}
		seen[a.Number] = true
		k := articleOrder(t, a.Number)
		if k[0] < prev[0] || (k[0] == prev[0] && k[1] <= prev[1]) {
			t.Errorf("article %s out of order", a.Number)
		}
		prev = k
		if a.Title.JA == "" || a.Title.EN == "" || a.Why.JA == "" || a.Why.EN == "" {
			t.Errorf("article %s lacks a title or reason in one language", a.Number)
		}
		switch a.Reach {
		case ReachNetwork, ReachPartial, ReachNone:
		default:
			t.Errorf("article %s: reach %q", a.Number, a.Reach)
		}
	}
	for i := 1; i <= 87; i++ {
		if !seen[strconv.Itoa(i)] {
			t.Errorf("article %d missing", i)
		}
	}
	if !seen["44の2"] {
		t.Error("article 44の2 missing")
	}
}

// Every article checks.md maps a check to must be reachable, or the
// catalog contradicts the check catalog.
func TestMappedArticlesReachable(t *testing.T) {
	mapped := []string{"16", "29", "31", "33", "34", "38", "54", "55", "56", "59", "61", "62", "63", "64", "65", "66", "67", "78", "79", "82", "83", "84"}
	for _, n := range mapped {
		a, ok := ArticleByNumber(n)
		if !ok {
			t.Errorf("article %s not found", n)
			continue
		}
		if a.Reach != ReachNetwork && a.Reach != ReachPartial {
			t.Errorf("article %s is mapped to checks but marked %q", n, a.Reach)
		}
	}
	// Physical security is never reachable: guards against marking
	// everything reachable.
	for _, n := range []string{"44の2", "45", "46", "47", "48", "49", "73", "87"} {
		if a, _ := ArticleByNumber(n); a.Reach != ReachNone {
			t.Errorf("article %s marked %q", n, a.Reach)
		}
	}
	if _, ok := ArticleByNumber("88"); ok {
		t.Error("article 88 found")
	}
	if a, ok := ArticleByNumber("44の2"); !ok || a.Title.JA != "要管理対策区域のクラス、管理及び利用制限" {
		t.Errorf("44の2: %+v %v", a, ok)
	}
}

// The Japanese titles are those of the standard's table of contents.
func TestTitlesMatchStandard(t *testing.T) {
	f, err := os.Open("../../shared/standard/nite-security-standard.ja.txt")
	if os.IsNotExist(err) {
		t.Skip("shared standard not checked out next to the repository")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	re := regexp.MustCompile(`^(?:- )?第([0-9]+条(?:の[0-9]+)?) (.+)$`)
	toc := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "附") {
			break // supplementary provisions restart at 第1条
		}
		if m := re.FindStringSubmatch(line); m != nil {
			toc[strings.Replace(m[1], "条", "", 1)] = m[2]
		}
	}
	if len(toc) != 88 {
		t.Fatalf("parsed %d TOC entries from the standard, want 88", len(toc))
	}
	for _, a := range Articles {
		if toc[a.Number] != a.Title.JA {
			t.Errorf("article %s: title %q, standard says %q", a.Number, a.Title.JA, toc[a.Number])
		}
	}
}
