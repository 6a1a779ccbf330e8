package htmlreport

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// The view is computed in Go so the template only lays it out; every
// ordering here is total, so two renders of one report give the same bytes.

// articleRow is one article of the standard (all its references together)
// in the executive summary.
type articleRow struct {
	Number, Title, Verdict string
	reports.Counts
	Anchor string // the first matrix row of the article
}

// row is one article reference of the matrix.
type row struct {
	Article, Title  string
	Anchor, MAnchor string // its index entry; the row itself
	reports.Counts
	Verdict string
}

// sevCount is one line of the severity table: fails and warns.
type sevCount struct {
	Severity   string
	Fail, Warn int
}

// problem is a check that fails or warns somewhere, with where.
type problem struct {
	Check, Status, Severity string
	Title, Remediation      *reports.Text
	Hosts                   []link
	More                    int // hosts beyond those listed
	NHosts                  int
	Findings                int
}

// link is an in-document reference.
type link struct {
	Text, Anchor string
}

// hostView is one host (or domain) with its findings, worst first.
type hostView struct {
	Key, Anchor string
	Names       []string
	Services    []reports.Service
	Problems    []reports.Finding // fail, warn
	Errors      []reports.Finding
	Quiet       []reports.Finding // info, pass, skipped: collapsed
	Counts      reports.Counts
}

// indexEntry lists the findings behind one article reference.
type indexEntry struct {
	Ref, Title, Anchor string
	Links              []findingLink
	Quiet              []findingLink // pass, info, skipped
	Hosts              []string      // of Links, in host order (print)
}

type findingLink struct {
	Anchor, Host, Status, Severity string
	Title                          *reports.Text
}

// hostOf is the host a finding is grouped under: its address, else its
// target (domains).
func hostOf(f *reports.Finding) string {
	if f.Host != "" {
		return f.Host
	}
	return f.Target
}

// compareHosts orders IPv4, then IPv6, numerically, then names.
func compareHosts(a, b string) int {
	pa, ea := netip.ParseAddr(a)
	pb, eb := netip.ParseAddr(b)
	switch {
	case ea == nil && eb == nil:
		return cmp.Or(cmp.Compare(boolRank(pa.Is6()), boolRank(pb.Is6())), pa.Compare(pb))
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// anchor makes an ASCII fragment id from any text: letters, digits, '-'
// and '.' stay, everything else becomes _hex_, so distinct texts never share
// an id and no id needs URL escaping.
func anchor(prefix, s string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "_%x_", r)
		}
	}
	return b.String()
}

// findingAnchor is a finding's fragment id, from its stable ID, so a link
// to a finding stays valid across scans of the same target.
func findingAnchor(f *reports.Finding) string { return anchor("f-", f.ID) }

func problemStatus(s string) bool { return s == "fail" || s == "warn" }

// buildHosts groups the findings per host, in host order; hosts seen
// without findings are kept for their services.
func buildHosts(r *reports.Report) []hostView {
	byKey := map[string]*hostView{}
	get := func(k string) *hostView {
		if h, ok := byKey[k]; ok {
			return h
		}
		h := &hostView{Key: k, Anchor: anchor("h-", k)}
		byKey[k] = h
		return h
	}
	for _, a := range r.Assets {
		h := get(a.Host)
		h.Names = a.Names
		h.Services = a.Services
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		h := get(hostOf(f))
		h.Counts.Add(f.Status)
		switch {
		case problemStatus(f.Status):
			h.Problems = append(h.Problems, *f)
		case f.Status == "error":
			h.Errors = append(h.Errors, *f)
		default:
			h.Quiet = append(h.Quiet, *f)
		}
	}
	out := make([]hostView, 0, len(byKey))
	for _, h := range byKey {
		out = append(out, *h)
	}
	slices.SortFunc(out, func(a, b hostView) int { return compareHosts(a.Key, b.Key) })
	return out
}

// buildProblems lists the failing and warning checks, worst first, with
// the hosts they occur on.
func buildProblems(r *reports.Report, limit, hostsShown int) []problem {
	type acc struct {
		problem
		hosts map[string]bool
	}
	byCheck := map[string]*acc{}
	var order []string
	for i := range r.Findings {
		f := &r.Findings[i]
		if !problemStatus(f.Status) || f.Waiver != nil {
			continue
		}
		a, ok := byCheck[f.Check]
		if !ok {
			a = &acc{problem: problem{Check: f.Check, Status: f.Status, Severity: f.Severity, Title: f.Title, Remediation: f.Remediation}, hosts: map[string]bool{}}
			byCheck[f.Check] = a
			order = append(order, f.Check)
		}
		a.Findings++
		if f.Status == "fail" {
			a.Status = "fail"
		}
		if reports.SeverityRank(f.Severity) > reports.SeverityRank(a.Severity) {
			a.Severity = f.Severity
		}
		if a.Remediation == nil {
			a.Remediation = f.Remediation
		}
		a.hosts[hostOf(f)] = true
	}
	out := make([]problem, 0, len(order))
	for _, c := range order {
		a := byCheck[c]
		hosts := make([]string, 0, len(a.hosts))
		for h := range a.hosts {
			hosts = append(hosts, h)
		}
		slices.SortFunc(hosts, compareHosts)
		a.NHosts = len(hosts)
		for i, h := range hosts {
			if i == hostsShown {
				a.More = len(hosts) - hostsShown
				break
			}
			a.Hosts = append(a.Hosts, link{Text: h, Anchor: anchor("h-", h)})
		}
		out = append(out, a.problem)
	}
	slices.SortFunc(out, func(a, b problem) int {
		return cmp.Or(
			-cmp.Compare(reports.SeverityRank(a.Severity), reports.SeverityRank(b.Severity)),
			cmp.Compare(boolRank(a.Status != "fail"), boolRank(b.Status != "fail")),
			-cmp.Compare(a.NHosts, b.NHosts),
			cmp.Compare(a.Check, b.Check))
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// buildSeverities counts fails and warns per severity, worst first.
func buildSeverities(r *reports.Report) []sevCount {
	sevs := []string{"critical", "high", "medium", "low", ""}
	out := make([]sevCount, len(sevs))
	for i, s := range sevs {
		out[i].Severity = s
	}
	for _, f := range r.Findings {
		if !problemStatus(f.Status) {
			continue
		}
		i := slices.Index(sevs, f.Severity)
		if i < 0 {
			i = len(sevs) - 1 // "none" or outside the schema
		}
		if f.Status == "fail" {
			out[i].Fail++
		} else {
			out[i].Warn++
		}
	}
	return slices.DeleteFunc(out, func(s sevCount) bool { return s.Severity == "" && s.Fail+s.Warn == 0 })
}

// title returns the standard's title of the article a reference belongs
// to, in lang.
func title(lang, ref string) string {
	t, _ := rendutil.ArticleTitle(lang, ref)
	return t
}

// buildArticles folds the per-reference summary into one row per article
// of the standard.
func buildArticles(lang string, summary map[string]reports.Counts) []articleRow {
	var out []articleRow
	idx := map[string]int{}
	for _, ref := range rendutil.SummaryArticles(summary) {
		n := rendutil.ArticleOf(ref)
		i, ok := idx[n]
		if !ok {
			i = len(out)
			idx[n] = i
			out = append(out, articleRow{Number: n, Title: title(lang, ref), Anchor: anchor("m-", ref)})
		}
		c, s := &out[i].Counts, summary[ref]
		c.Pass += s.Pass
		c.Fail += s.Fail
		c.Warn += s.Warn
		c.Info += s.Info
		c.Error += s.Error
		c.Skipped += s.Skipped
		if reports.SeverityRank(s.Worst) > reports.SeverityRank(c.Worst) {
			c.Worst = s.Worst
		}
	}
	for i := range out {
		out[i].Verdict = rendutil.Verdict(out[i].Counts)
	}
	return out
}

// buildIndex lists, per article reference, the findings that cite it.
func buildIndex(lang string, r *reports.Report, refs []string) []indexEntry {
	at := map[string]int{}
	out := make([]indexEntry, len(refs))
	for i, ref := range refs {
		at[ref] = i
		out[i] = indexEntry{Ref: ref, Title: title(lang, ref), Anchor: anchor("a-", ref)}
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		l := findingLink{Anchor: findingAnchor(f), Host: hostOf(f), Status: f.Status, Severity: f.Severity, Title: f.Title}
		for _, ref := range f.Articles {
			j, ok := at[ref]
			if !ok {
				continue
			}
			if problemStatus(f.Status) || f.Status == "error" {
				out[j].Links = append(out[j].Links, l)
				if !slices.Contains(out[j].Hosts, l.Host) {
					out[j].Hosts = append(out[j].Hosts, l.Host)
				}
			} else {
				out[j].Quiet = append(out[j].Quiet, l)
			}
		}
	}
	for i := range out {
		slices.SortFunc(out[i].Hosts, compareHosts)
	}
	return out
}
