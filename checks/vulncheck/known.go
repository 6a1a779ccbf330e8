// Package vulncheck holds vuln.known: nuclei template matches become
// findings whose source is the template.
package vulncheck

import (
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(known{}) }

var _ checks.Check = known{}

// known implements vuln.known (Art. 33-3, 34-9): nuclei templates (the
// bundled curated set plus user templates); fails when a template matches,
// with the template's severity and the articles from its
// info.metadata.articles.
type known struct{}

func (known) Info() checks.Info {
	return checks.Info{
		ID: "vuln.known", Articles: []string{"33-3", "34-9"}, Needs: []string{scanners.ProbeVulnNuclei},
		Severity: checks.Medium,
		Title:    checks.T("既知の脆弱性・設定不備", "Known vulnerabilities and misconfigurations"),
		Detail: checks.T("テンプレートはいずれも一致しませんでした。",
			"no template matched"),
		Remediation: checks.T("該当するソフトウェアを更新するか、設定を修正してください。",
			"update the affected software or fix the configuration the template describes"),
	}
}

// severityOf maps a nuclei template severity to a verdict. nuclei's info
// templates (technology detection, banners) report facts, not flaws, so
// they stay inventory; an unknown severity is not guessed upward.
func severityOf(s string) (checks.Status, checks.Severity) {
	switch strings.ToLower(s) {
	case "critical":
		return checks.Fail, checks.Critical
	case "high":
		return checks.Fail, checks.High
	case "medium":
		return checks.Fail, checks.Medium
	case "low":
		return checks.Fail, checks.Low
	}
	return checks.InfoS, checks.None // info/unknown: inventory, no verdict
}

// Evaluate makes one finding per template match, with the template's own
// articles when it names valid ones (a curated template may evidence an
// article other than 33-3/34-9). The endpoint's summary observation is a
// pass only when templates actually ran there and none matched (nuclei
// exits 0 either way, pitfalls §7.2), and an error when none ran: an
// empty template selection proves nothing.
func (c known) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	obs := in.ByProbe(scanners.ProbeVulnNuclei)
	// An endpoint with a match gets no pass from its summary observation.
	matched := map[string]bool{}
	for _, o := range obs {
		if m, ok := o.Data.(*scanners.NucleiMatch); ok && o.Status == scanners.OK && m.TemplateID != "" {
			matched[o.Target.String()] = true
		}
	}
	return checks.Each(in, info, scanners.ProbeVulnNuclei, "", func(o scanners.Observation, m *scanners.NucleiMatch) []checks.Finding {
		if m.TemplateID == "" { // the per-endpoint summary: templates ran, none matched
			if m.Templates == 0 {
				f := checks.New(info, o.Target, "").Decided(checks.Error)
				f.Detail = checks.T("テンプレートが 1 つも実行されませんでした。", "no template ran")
				f.At = o.At
				return []checks.Finding{f}
			}
			if matched[o.Target.String()] {
				return nil
			}
			f := checks.New(info, o.Target, "").Decided(checks.Pass)
			f.At, f.Evidence = o.At, o.Evidence
			return []checks.Finding{f}
		}
		st, sev := severityOf(m.Severity)
		f := checks.New(info, o.Target, m.TemplateID+" "+m.MatchedAt)
		f = f.Decided(st)
		if st == checks.Fail {
			f.Severity = sev // the template's; a policy override is the engine's
		}
		f.Source = "nuclei:" + m.TemplateID
		var arts []string
		for _, a := range m.Articles {
			if a = strings.TrimSpace(a); checks.ArticlePattern.MatchString(a) {
				arts = append(arts, a)
			}
		}
		if len(arts) > 0 {
			f.Articles = arts
		}
		name := m.Name
		if name == "" {
			name = m.TemplateID
		}
		// A template's name and description are its authors' English:
		// the Japanese texts quote them as written.
		f.Title = checks.T("既知の問題"+checks.Raw(name), name)
		desc := strings.TrimSpace(m.Description)
		f.Detail = checks.T("テンプレート "+m.TemplateID+" が "+m.MatchedAt+" で一致しました。"+checks.Raw(desc),
			"template "+m.TemplateID+" matched at "+m.MatchedAt+". "+desc)
		f.Evidence = append([]scanners.Evidence{}, o.Evidence...)
		if len(f.Evidence) == 0 {
			f.Evidence = []scanners.Evidence{{Kind: "http", Summary: m.TemplateID + " at " + m.MatchedAt,
				Data: m.Request + "\n\n" + m.Response}}
		}
		f.At = o.At
		return []checks.Finding{f}
	})
}
