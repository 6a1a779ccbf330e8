package checks

import (
	"fmt"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Registry holds checks by ID. It is filled from init functions and
// read-only afterwards; tests build their own with NewRegistry.
type Registry struct {
	mu     sync.RWMutex
	checks map[string]Check
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{checks: map[string]Check{}} }

// Default is the registry Register fills.
var Default = NewRegistry()

var (
	// checkIDPattern is area.name, lower-case ASCII with one dot: IDs are
	// a public interface (reports, baselines, waivers, --checks globs;
	// checks.md) and must survive every format and shell unquoted.
	checkIDPattern = regexp.MustCompile(`^[a-z0-9]+\.[a-z0-9-]+$`)
	// ArticlePattern is report.schema.json's pattern for article references.
	ArticlePattern = regexp.MustCompile(`^[0-9]+(の[0-9]+)?(-[0-9]+)*$`)
)

// Register adds c to Default. It panics on an invalid Info, so a malformed
// check is found when the binary starts, not in a report.
func Register(c Check) { Default.Add(c) }

// Add validates and registers c.
func (r *Registry) Add(c Check) {
	if err := validate(c.Info()); err != nil {
		panic(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	id := c.Info().ID
	if _, dup := r.checks[id]; dup {
		panic("checks: duplicate check " + id)
	}
	r.checks[id] = c
}

// validate rejects an Info that would make a useless or broken finding: a
// check without an article evidences nothing of the standard, one without
// Needs is never given an observation (the engine runs probes by Needs),
// and every user-facing text must exist in Japanese and English.
func validate(in Info) error {
	switch {
	case !checkIDPattern.MatchString(in.ID):
		return fmt.Errorf("checks: malformed check ID %q", in.ID)
	case len(in.Articles) == 0:
		return fmt.Errorf("checks: %s names no article", in.ID)
	case len(in.Needs) == 0:
		return fmt.Errorf("checks: %s needs no probe", in.ID)
	case in.Title.JA == "" || in.Title.EN == "":
		return fmt.Errorf("checks: %s lacks a Japanese or English title", in.ID)
	case in.Severity == "":
		return fmt.Errorf("checks: %s has no default severity", in.ID)
	}
	for _, a := range in.Articles {
		if !ArticlePattern.MatchString(a) {
			return fmt.Errorf("checks: %s: malformed article %q", in.ID, a)
		}
	}
	return nil
}

// All returns every check sorted by ID.
func (r *Registry) All() []Check {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Check, 0, len(r.checks))
	for _, c := range r.checks {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Check) int { return strings.Compare(a.Info().ID, b.Info().ID) })
	return out
}

// Get returns the check with the given ID.
func (r *Registry) Get(id string) (Check, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.checks[id]
	return c, ok
}

// Select returns the checks whose IDs match any of the comma-separated
// globs ("smtp.*,tls.*"); "" or "*" selects all. A "-" prefix removes
// matches whatever their position ("*,-vuln.*"); negatives alone start from
// all checks. A glob that matches nothing is an error, so a typo never
// silently runs fewer checks.
func (r *Registry) Select(globs string) ([]Check, error) {
	all := r.All()
	var pos, neg []string
	for _, g := range strings.Split(globs, ",") {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		exclude := strings.HasPrefix(g, "-")
		g = strings.TrimPrefix(g, "-")
		if _, err := path.Match(g, "x"); err != nil {
			return nil, fmt.Errorf("checks: bad glob %q: %w", g, err)
		}
		if !slices.ContainsFunc(all, func(c Check) bool { return globMatch(g, c.Info().ID) }) {
			return nil, fmt.Errorf("checks: %q matches no check (see 'shindan checks')", g)
		}
		if exclude {
			neg = append(neg, g)
		} else {
			pos = append(pos, g)
		}
	}
	var out []Check
	for _, c := range all {
		id := c.Info().ID
		in := len(pos) == 0 || slices.ContainsFunc(pos, func(g string) bool { return globMatch(g, id) })
		if in && !slices.ContainsFunc(neg, func(g string) bool { return globMatch(g, id) }) {
			out = append(out, c)
		}
	}
	return out, nil
}

// globMatch is path.Match on IDs, which contain no "/", so "*" spans the
// dot too ("*relay*" matches smtp.open-relay). Callers validate the glob
// first, so the error is dropped.
func globMatch(g, id string) bool {
	ok, _ := path.Match(g, id)
	return ok
}

// ByArticle returns the checks that evidence article a or one of its
// paragraphs/items: "59" matches "59-1" and "59-2"; "61-1" matches "61-1-5".
func (r *Registry) ByArticle(a string) []Check {
	var out []Check
	for _, c := range r.All() {
		for _, x := range c.Info().Articles {
			if x == a || strings.HasPrefix(x, a+"-") {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// ArticleNumber returns the article part of a reference: "59" for "59-1",
// "44の2" for "44の2-1".
func ArticleNumber(ref string) string {
	n, _, _ := strings.Cut(ref, "-")
	return n
}

// IDsIn lists, in ID order, the registered checks implemented in the Go
// package pkg ("shindan/checks/webcheck"), so a package's list of its own
// checks cannot drift from what it registers.
func (r *Registry) IDsIn(pkg string) []string {
	var ids []string
	for _, c := range r.All() {
		t := reflect.TypeOf(c)
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.PkgPath() == pkg {
			ids = append(ids, c.Info().ID)
		}
	}
	return ids
}
