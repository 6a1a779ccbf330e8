package htmlreport

import (
	"fmt"
	"html"
	"html/template"
	"slices"
	"strings"

	"shindan/reports"
	"shindan/reports/internal/rendutil"
)

// The charts are inline SVG built here rather than in the template: the
// geometry is arithmetic, and every text that came from the report goes
// through html.EscapeString before it is written.

// sevColours are drawn left to right in each bar and keyed in the legend
// in this order, worst first; "" collects fails and warns whose severity
// is missing or unknown.
var sevColours = []struct{ sev, colour string }{
	{"critical", "#7f0000"}, {"high", "#c62828"}, {"medium", "#ef6c00"}, {"low", "#f9a825"}, {"", "#9e9e9e"},
}

var verdictColours = map[string]string{
	"fail": "#c62828", "warn": "#f9a825", "error": "#757575", "pass": "#2e7d32", "info": "#90caf9", "skipped": "#e0e0e0",
}

// esc escapes report text for the SVG, which is built as a string and
// reaches the page as template.HTML, past html/template's own escaping.
func esc(s string) string { return html.EscapeString(s) }

// severityChart is one stacked bar per host with fails or warns: how many
// of each severity. Hosts are ordered worst first.
func severityChart(lang string, hosts []hostView) template.HTML {
	type bar struct {
		host, anchor string
		n            [5]int
	}
	var bars []bar
	for _, h := range hosts {
		var b bar
		b.host, b.anchor = h.Key, h.Anchor
		for _, f := range h.Problems {
			i := slices.IndexFunc(sevColours, func(c struct{ sev, colour string }) bool { return c.sev == f.Severity })
			if i < 0 {
				i = len(sevColours) - 1
			}
			b.n[i]++
		}
		if len(h.Problems) > 0 {
			bars = append(bars, b)
		}
	}
	if len(bars) == 0 {
		return ""
	}
	slices.SortStableFunc(bars, func(a, b bar) int { return -slices.Compare(a.n[:], b.n[:]) })
	maxN := 0
	for _, b := range bars {
		t := 0
		for _, v := range b.n {
			t += v
		}
		maxN = max(maxN, t)
	}
	const labelW, barW, rowH, top = 150, 440, 16, 28
	w, h := labelW+barW+40, top+rowH*len(bars)+4
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" aria-label="%s">`, w, h, w, esc(rendutil.Label(lang, "chart.severity")))
	x := labelW
	for i, c := range sevColours {
		if c.sev == "" && !slices.ContainsFunc(bars, func(b bar) bool { return b.n[i] > 0 }) {
			continue // no fail or warn without a severity: no key for it
		}
		name := rendutil.Severity(lang, c.sev)
		fmt.Fprintf(&s, `<rect x="%d" y="6" width="10" height="10" fill="%s"/><text x="%d" y="15" class="lg">%s</text>`, x, c.colour, x+14, esc(name))
		x += 14 + 9*len([]rune(name)) + 16
	}
	for i, b := range bars {
		y := top + i*rowH
		fmt.Fprintf(&s, `<text x="%d" y="%d" class="hl" text-anchor="end">%s</text>`, labelW-6, y+11, esc(b.host))
		x, total := labelW, 0
		for j, v := range b.n {
			if v == 0 {
				continue
			}
			bw := v * barW / maxN
			fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s %s: %d</title></rect>`,
				x, y+2, max(bw, 1), rowH-4, sevColours[j].colour, esc(b.host), esc(rendutil.Severity(lang, sevColours[j].sev)), v)
			x += bw
			total += v
		}
		fmt.Fprintf(&s, `<text x="%d" y="%d" class="hl">%d</text>`, x+4, y+11, total)
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// heatMap is host × article: each cell is the verdict of that host's
// findings citing the article; empty where nothing was measured.
func heatMap(lang string, hosts []hostView, articles []articleRow) template.HTML {
	if len(articles) == 0 {
		return ""
	}
	var rows []hostView
	for _, h := range hosts {
		if len(h.Problems)+len(h.Errors)+len(h.Quiet) > 0 {
			rows = append(rows, h)
		}
	}
	const labelW, cellW, cellH, top = 150, 26, 14, 34
	w, h := labelW+cellW*len(articles)+4, top+cellH*len(rows)+4
	var s strings.Builder
	fmt.Fprintf(&s, `<svg class="chart" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" aria-label="%s">`, w, h, w, esc(rendutil.Label(lang, "chart.heatmap")))
	for j, a := range articles {
		fmt.Fprintf(&s, `<text x="%d" y="%d" class="al" text-anchor="middle">%s<title>%s</title></text>`, labelW+j*cellW+cellW/2, top-8, esc(a.Number), esc(a.Title))
	}
	for i, hv := range rows {
		y := top + i*cellH
		fmt.Fprintf(&s, `<text x="%d" y="%d" class="hl" text-anchor="end">%s</text>`, labelW-6, y+11, esc(hv.Key))
		per := map[string]*reports.Counts{}
		for _, list := range [][]reports.Finding{hv.Problems, hv.Errors, hv.Quiet} {
			for _, f := range list {
				seen := map[string]bool{}
				for _, ref := range f.Articles {
					n := rendutil.ArticleOf(ref)
					if seen[n] {
						continue
					}
					seen[n] = true
					c := per[n]
					if c == nil {
						c = &reports.Counts{}
						per[n] = c
					}
					c.Add(f.Status)
				}
			}
		}
		for j, a := range articles {
			x := labelW + j*cellW
			c := per[a.Number]
			if c == nil {
				fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%d" height="%d" class="empty"/>`, x+1, y+1, cellW-2, cellH-2)
				continue
			}
			v := rendutil.Verdict(*c)
			fmt.Fprintf(&s, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s — %s %s: %s</title></rect>`,
				x+1, y+1, cellW-2, cellH-2, verdictColours[v], esc(hv.Key), esc(rendutil.Label(lang, "article")), esc(a.Number), esc(rendutil.Status(lang, v)))
		}
	}
	s.WriteString(`</svg>`)
	return template.HTML(s.String())
}

// heatLegend is the colour key under the heat-map.
func heatLegend(lang string) template.HTML {
	var s strings.Builder
	for _, st := range []string{"fail", "warn", "error", "pass", "info", "skipped"} {
		fmt.Fprintf(&s, `<span class="key"><span class="sw v-%s"></span>%s</span> `, st, esc(rendutil.Status(lang, st)))
	}
	fmt.Fprintf(&s, `<span class="key"><span class="sw sw-empty"></span>%s</span>`, esc(rendutil.Label(lang, "chart.none")))
	return template.HTML(s.String())
}
