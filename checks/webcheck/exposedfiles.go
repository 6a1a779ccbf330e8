package webcheck

import (
	"fmt"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(exposedFiles{}) }

var _ checks.Check = exposedFiles{}

// exposedFiles implements http.exposed-files (Art. 61-1-3): the curated
// path list of http.site; fails when a file is served with content that
// matches its kind (VerifyKind), never on a soft-404 answer.
type exposedFiles struct{}

func (exposedFiles) Info() checks.Info {
	return checks.Info{
		ID: "http.exposed-files", Articles: []string{"61-1-3"}, Needs: []string{scanners.ProbeHTTPSite},
		Severity: checks.High,
		Title:    checks.T("意図しないファイルの公開", "Unintended files published"),
		Detail: checks.T("既知の危険なファイル（VCS メタデータ、設定、データベースダンプ、エディタやバックアップのコピー、状態ページ、管理画面等）は公開されていませんでした。",
			"none of the curated files (VCS metadata, env files, database dumps, editor and backup copies, status pages, phpinfo, default pages, admin consoles) is served"),
		Remediation: checks.T("公開ディレクトリから該当ファイルを削除するか、アクセスを拒否してください。",
			"remove the files from the document root or deny access to them"),
	}
}

func (c exposedFiles) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSite(in, info, func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
		var out []checks.Finding
		check := func(x *scanners.HTTPExchange, kind string) {
			why, ok := VerifyKind(kind, x)
			if !ok {
				return
			}
			f := checks.Observed(info, o, x.Path, checks.Fail,
				checks.T(s.URL+x.Path+" が公開されています（"+why+"）", s.URL+x.Path+" is served: "+why)).WithEvidence(ev(x, kind+" at "+x.Path))
			if kind == "default-page" {
				f.Severity = checks.Low
			}
			out = append(out, f)
		}
		check(&s.Root, "default-page")
		answered := 0
		for i := range s.Files {
			if s.Files[i].Status != 0 {
				answered++
			}
			check(&s.Files[i], s.Files[i].Kind)
		}
		switch {
		case len(out) > 0:
			return out
		case !s.Baseline.Stable:
			return []checks.Finding{checks.Observed(info, o, "", checks.Error,
				checks.T("存在しないパスへの応答が一定せず、ファイルの有無を判定できません: "+s.Baseline.Reason,
					"the site answers random missing paths inconsistently, so file existence cannot be judged: "+s.Baseline.Reason)).WithEvidence()}
		case answered < len(s.Files):
			lost := len(s.Files) - answered
			first := unanswered(s.Files)
			return []checks.Finding{checks.Observed(info, o, "", checks.Error,
				checks.T(fmt.Sprintf("一覧の %d 個のパスのうち %d 個に応答がなく、確認できていません（最初: %s）。", len(s.Files), lost, first),
					fmt.Sprintf("%d of the %s of the list got no answer and %s not covered (first: %s)", lost, checks.Count(len(s.Files), "path", "paths"), checks.Plural(lost, "is", "are"), first))).WithEvidence()}
		}
		return []checks.Finding{checks.Observed(info, o, "", checks.Pass, checks.Text{}).WithEvidence()}
	})
}

// unanswered names the first path of the list that got no answer, with why.
func unanswered(files []scanners.HTTPExchange) string {
	for _, x := range files {
		if x.Status == 0 {
			return x.Path + ": " + x.Error
		}
	}
	return ""
}
