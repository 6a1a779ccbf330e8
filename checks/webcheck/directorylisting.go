package webcheck

import (
	"fmt"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(directoryListing{}) }

var _ checks.Check = directoryListing{}

// directoryListing implements http.directory-listing (Art. 61-1-1): GET of
// "/" and discovered folders; fails when a generated listing is served,
// recognised by its structure (DetectListing), whatever server made it.
type directoryListing struct{}

func (directoryListing) Info() checks.Info {
	return checks.Info{
		ID: "http.directory-listing", Articles: []string{"61-1-1"}, Needs: []string{scanners.ProbeHTTPSite},
		Severity: checks.Medium,
		Title:    checks.T("ディレクトリ一覧の表示", "Directory listing"),
		Detail: checks.T("ルートおよび発見したフォルダでディレクトリ一覧は表示されませんでした。",
			"no generated directory listing was served for / or the discovered folders"),
		Remediation: checks.T("ディレクトリ一覧機能（Apache の Options -Indexes、nginx の autoindex off 等）を無効にしてください。",
			"disable automatic directory listings (Apache Options -Indexes, nginx autoindex off, IIS directoryBrowse off)"),
	}
}

func (c directoryListing) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	return eachSite(in, info, func(o scanners.Observation, s *scanners.HTTPSite) []checks.Finding {
		var out []checks.Finding
		pages := append([]scanners.HTTPExchange{s.Root}, s.Folders...)
		asked, lost := 0, 0
		for i := range pages {
			x := &pages[i]
			if x.Status == 0 {
				lost++
				continue
			}
			asked++
			if x.Status != 200 || x.Soft404 {
				continue
			}
			if l, ok := DetectListing(x.Path, x.Body); ok {
				out = append(out, checks.Observed(info, o, x.Path, checks.Fail,
					checks.T("ディレクトリ一覧が表示されます: "+s.URL+x.Path+"（"+l.Format+" 形式、"+fmt.Sprint(l.Entries)+" 件"+jaMeta(l)+"）",
						"a directory listing is served at "+s.URL+x.Path+" ("+l.String()+")")).WithEvidence(ev(x, "directory listing at "+x.Path+": "+l.String())))
			}
		}
		if len(out) > 0 {
			return out
		}
		if asked == 0 {
			return []checks.Finding{checks.Observed(info, o, "", checks.Error,
				checks.T("どのページも取得できませんでした。", "no page could be fetched")).WithEvidence()}
		}
		ja := fmt.Sprintf("/ と %d 個のフォルダ（リンクから発見したもの、一般的な名前）を取得し、ディレクトリ一覧はありませんでした。", asked-1)
		en := fmt.Sprintf("no generated directory listing at / or the %s fetched (found from links, and common names)", checks.Count(asked-1, "folder", "folders"))
		if lost > 0 {
			ja += fmt.Sprintf("%d 個のパスは応答がなく、確認できていません。", lost)
			en += "; " + checks.Count(lost, "path", "paths") + " got no answer and " + checks.Plural(lost, "is", "are") + " not covered"
		}
		return []checks.Finding{checks.Observed(info, o, "", checks.Pass, checks.T(ja, en)).WithEvidence(ev(&s.Root, "GET /"))}
	})
}

// jaMeta is the Japanese tail of Listing.String.
func jaMeta(l Listing) string {
	s := ""
	if l.Meta > 0 {
		s += fmt.Sprintf("、うち %d 件にサイズまたは日付", l.Meta)
	}
	if l.Parent {
		s += "、親フォルダへのリンクあり"
	}
	return s
}
