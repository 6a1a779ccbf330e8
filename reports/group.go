package reports

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// FindingID is the stable finding identifier: the same check, target and
// subject give the same ID in every scan. A grouped finding has the empty
// subject, so a finding that had no subject keeps its ID when grouped.
func FindingID(check, target, subject string) string {
	sum := sha256.Sum256([]byte(check + "\x00" + target + "\x00" + subject))
	return "F" + hex.EncodeToString(sum[:10])
}

// WaiverFunc looks up the policy waiver for a finding ID or a check and
// target; nil when none applies.
type WaiverFunc func(id, check, target string) *Waiver

// Group merges the findings of one check on one target (endpoint or
// domain) into one finding whose Items are the individual subjects, so a
// report lists one finding per problem. The group takes the worst status
// of its items and the highest severity among its fails and warns; its ID
// is FindingID(check, target, "") and so stays stable whatever subjects a
// scan sees. A finding without a subject that is alone for its check and
// target stays as it is. Group is idempotent.
//
// Waivers: items keep the waiver found for their own (per-subject) ID.
// A waiver on the group's ID, or on its check and target, covers the group
// and every item. The group also counts as waived when every failing or
// warning item is waived, so a waiver written against an old per-subject ID
// still keeps that problem out of --fail-on.
func Group(fs []Finding, waiver WaiverFunc) []Finding {
	type bucket struct {
		first Finding
		items []Item
		plain int // members without a subject
	}
	var order []string
	buckets := map[string]*bucket{}
	for _, f := range fs {
		key := f.Check + "\x00" + f.Target
		b := buckets[key]
		if b == nil {
			b = &bucket{first: f}
			buckets[key] = b
			order = append(order, key)
		}
		if len(f.Items) > 0 {
			b.items = append(b.items, f.Items...)
			continue
		}
		if f.Subject == "" {
			b.plain++
		}
		b.items = append(b.items, itemOf(f))
	}
	out := make([]Finding, 0, len(order))
	for _, key := range order {
		b := buckets[key]
		if len(b.items) == 1 && b.plain == 1 {
			f := b.first
			if f.Waiver == nil && waiver != nil {
				f.Waiver = waiver(f.ID, f.Check, f.Target)
			}
			out = append(out, f)
			continue
		}
		out = append(out, group(b.first, b.items, waiver))
	}
	return out
}

func itemOf(f Finding) Item {
	it := Item{
		ID: f.ID, Subject: f.Subject, Status: f.Status, Severity: f.Severity, Articles: f.Articles,
		Title: f.Title, Detail: f.Detail, Remediation: f.Remediation, Evidence: f.Evidence,
		Source: f.Source, ObservedAt: f.ObservedAt, Waiver: f.Waiver,
	}
	if it.Subject == "" {
		// Two subject-less findings of one check and target (e.g. from
		// two sources) still need telling apart inside the group.
		it.Subject = f.Source
	}
	return it
}

func compareItems(a, b Item) int {
	return cmp.Or(
		cmp.Compare(statusRank(a.Status), statusRank(b.Status)),
		-cmp.Compare(SeverityRank(a.Severity), SeverityRank(b.Severity)),
		cmp.Compare(a.Subject, b.Subject),
		cmp.Compare(a.ID, b.ID))
}

func group(first Finding, items []Item, waiver WaiverFunc) Finding {
	items = slices.Clone(items)
	slices.SortFunc(items, compareItems)
	// The same subject reported twice (a re-run probe) is one item.
	items = slices.CompactFunc(items, func(a, b Item) bool { return a.ID == b.ID })
	worst := items[0]
	g := Finding{
		ID: FindingID(first.Check, first.Target, ""), Check: first.Check, Target: first.Target,
		Host: first.Host, Port: first.Port, Proto: first.Proto,
		Status: worst.Status, Severity: worst.Severity,
		Title: worst.Title, Remediation: worst.Remediation, Source: worst.Source, Vantage: first.Vantage,
	}
	if g.Title == nil {
		g.Title = first.Title
	}
	if g.Remediation == nil {
		g.Remediation = first.Remediation
	}
	if g.Source == "" {
		g.Source = first.Source
	}
	for _, it := range items {
		if bad(g.Status) && bad(it.Status) && SeverityRank(it.Severity) > SeverityRank(g.Severity) {
			g.Severity = it.Severity
		}
		for _, a := range it.Articles {
			if !slices.Contains(g.Articles, a) {
				g.Articles = append(g.Articles, a)
			}
		}
		if it.ObservedAt != nil && (g.ObservedAt == nil || it.ObservedAt.After(*g.ObservedAt)) {
			at := *it.ObservedAt
			g.ObservedAt = &at
		}
	}
	if len(g.Articles) == 0 {
		g.Articles = slices.Clone(first.Articles)
	}
	if g.Severity == "" {
		g.Severity = "none"
	}
	var policy *Waiver
	if waiver != nil {
		policy = waiver(g.ID, g.Check, g.Target)
	}
	g.Waiver = policy
	if g.Waiver == nil {
		g.Waiver = allProblemsWaived(items)
	}
	for i := range items {
		it := &items[i]
		if it.Waiver == nil {
			it.Waiver = policy
		}
		if slices.Equal(it.Articles, g.Articles) {
			it.Articles = nil
		}
		if sameText(it.Title, g.Title) {
			it.Title = nil
		}
		if sameText(it.Remediation, g.Remediation) {
			it.Remediation = nil
		}
		if it.Source == g.Source {
			it.Source = ""
		}
	}
	g.Items = items
	g.Detail = groupDetail(items)
	return g
}

func bad(s string) bool { return s == "fail" || s == "warn" }

// allProblemsWaived returns the first item waiver when every fail and warn
// item has one (and there is at least one), else nil.
func allProblemsWaived(items []Item) *Waiver {
	var w *Waiver
	for _, it := range items {
		if !bad(it.Status) {
			continue
		}
		if it.Waiver == nil {
			return nil
		}
		if w == nil {
			w = it.Waiver
		}
	}
	return w
}

func sameText(a, b *Text) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// statusJA and statusEN name the statuses as the human-readable reports
// do (rendutil's labels): "warn" is 要注意 there, and "error" means the
// check could not decide.
var (
	statusJA = map[string]string{"pass": "適合", "fail": "不適合", "warn": "要注意", "info": "情報", "error": "判定不能", "skipped": "対象外"}
	statusEN = map[string]string{"pass": "pass", "fail": "fail", "warn": "warn", "info": "info", "error": "not decided", "skipped": "skipped"}
)

// maxNamed bounds the subjects a group's detail names; the items hold all.
const maxNamed = 8

// groupDetail says what the group covered: the items counted by status and
// the subjects of the worst ones, in both languages.
func groupDetail(items []Item) *Text {
	n := map[string]int{}
	for _, it := range items {
		n[it.Status]++
	}
	var ja, en []string
	for _, s := range Statuses {
		if n[s] > 0 {
			ja = append(ja, fmt.Sprintf("%s %d", statusJA[s], n[s]))
			en = append(en, fmt.Sprintf("%d %s", n[s], statusEN[s]))
		}
	}
	worst := items[0].Status
	var named []string
	for _, it := range items {
		if it.Status == worst && len(named) < maxNamed {
			named = append(named, it.Subject)
		}
	}
	more := n[worst] - len(named)
	noun := "items" // a group of one item is rare (merged groups) but possible
	if len(items) == 1 {
		noun = "item"
	}
	t := &Text{
		JA: fmt.Sprintf("%d 件の項目: %s。", len(items), strings.Join(ja, "、")),
		EN: fmt.Sprintf("%d %s: %s.", len(items), noun, strings.Join(en, ", ")),
	}
	if worst != "pass" || len(items) <= maxNamed {
		t.JA += fmt.Sprintf("%s: %s", statusJA[worst], strings.Join(named, "、"))
		t.EN += fmt.Sprintf(" %s: %s", statusEN[worst], strings.Join(named, ", "))
		if more > 0 {
			t.JA += fmt.Sprintf(" ほか %d 件", more)
			t.EN += fmt.Sprintf(" and %d more", more)
		}
		t.JA += "。"
		t.EN += "."
	}
	return t
}

// Flatten returns one finding per subject: a grouped finding's items with
// the group's check, target and texts filled in, and every other finding
// as it is. The per-subject view is what diffs and exit codes compare, so
// a waiver on one subject never hides another.
func Flatten(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if len(f.Items) == 0 {
			out = append(out, f)
			continue
		}
		for _, it := range f.Items {
			u := f
			u.Items = nil
			u.ID, u.Subject, u.Status, u.Severity = it.ID, it.Subject, it.Status, it.Severity
			u.Detail, u.Evidence, u.ObservedAt = it.Detail, it.Evidence, it.ObservedAt
			if it.Articles != nil {
				u.Articles = it.Articles
			}
			if it.Title != nil {
				u.Title = it.Title
			}
			if it.Remediation != nil {
				u.Remediation = it.Remediation
			}
			if it.Source != "" {
				u.Source = it.Source
			}
			// A group waived only because all its problems are waived
			// lends that waiver to no other item; a policy waiver on the
			// group was copied into every item when grouped.
			u.Waiver = it.Waiver
			out = append(out, u)
		}
	}
	return out
}
