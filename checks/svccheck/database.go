package svccheck

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(database{}) }

var _ checks.Check = database{}

// database implements service.database (Art. 66-4, 66-5): a database or
// cache reachable from the scanner fails high; one that answers a
// read-only command without authentication fails critical; a probe that
// could not decide is an error. A host that answered discovery and whose
// identified ports include no database passes, and the pass names which
// database ports were scanned and which were not (not tested).
type database struct{}

func (database) Info() checks.Info {
	return checks.Info{
		ID: "service.database", Articles: []string{"66-4", "66-5"},
		Needs: []string{scanners.ProbeSvcIdent, scanners.ProbeSvcDBAuth, scanners.ProbePortTCP}, Severity: checks.High,
		Title: checks.T("データベースへの外部からの到達", "Database reachable from outside"),
		Remediation: checks.T(
			"データベース・キャッシュはアプリケーションサーバなど必要な送信元からのみ到達できるようにし（バインドアドレスとファイアウォール）、必ず認証を有効にしてください。",
			"Make databases and caches reachable only from the hosts that need them (bind address and firewall) and always enable authentication."),
	}
}

// dbNames are the services checks.md lists for this check.
var dbNames = []string{"mysql", "postgresql", "mssql", "oracle", "mongodb", "redis", "elasticsearch", "memcached", "couchdb", "cassandra"}

// dbPorts are the well-known ports where a failed identification leaves
// the check undecided.
var dbPorts = []uint16{1433, 1521, 3306, 5432, 5984, 6379, 9042, 9200, 11211, 27017}

// Evaluate fails every database reachable from the scanner, authenticated
// or not: 66-4 asks for measures against unauthorised manipulation through
// the database's vulnerabilities, and reachability from outside is what
// such an attack needs (the remediation restricts it). svc.dbauth results
// come first (they carry the strongest evidence); svc.ident fills the
// endpoints dbauth did not decide. Findings are sorted by target and
// subject, since they are built from a map.
func (c database) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	ids := identified(in)
	var out []checks.Finding
	decided := map[endpoint]bool{}
	badHost := map[string]bool{}
	for _, o := range in.ByProbe(scanners.ProbeSvcDBAuth) {
		k := keyOf(o.Target)
		// A dbauth observation exists only for a database endpoint, so the
		// host can no longer pass whatever the result.
		decided[k], badHost[k.host] = true, true
		sub := subject(o.Target.Proto, o.Target.Port)
		acc, ok := o.Data.(*scanners.DBAccess)
		if o.Status != scanners.OK || !ok {
			out = append(out, checks.Undecided(info, o, sub))
			continue
		}
		svc, _ := serviceOf(ids[k])
		what := acc.Service
		if svc != nil {
			what = describe(svc)
		}
		f := checks.New(info, o.Target, sub).Decided(checks.Fail)
		f.At, f.Evidence = o.At, evidenceOf(ids[k], o)
		switch {
		case acc.Unauthenticated:
			f.Severity = checks.Critical
			f.Detail = checks.T(
				fmt.Sprintf("%s に到達でき、認証なしで読み取りコマンド（`%s`）が成功しました", what, acc.Command),
				fmt.Sprintf("%s is reachable and answered a read-only command (%s) without authentication", what, acc.Command))
		case acc.AuthRequired:
			f.Detail = checks.T(fmt.Sprintf("%s に到達できます（認証は要求されています）", what),
				fmt.Sprintf("%s is reachable (it requires authentication)", what))
		default:
			f.Detail = checks.T(fmt.Sprintf("%s に到達できます（ログインは試行していないため認証の有無は未確認）", what),
				fmt.Sprintf("%s is reachable (no login was attempted, so authentication is not verified)", what))
		}
		out = append(out, f)
	}
	sums := summaries(in)
	hosts := map[string]scanners.Target{}
	for h, s := range sums {
		if s.answered {
			hosts[h] = s.t
		}
	}
	for k, o := range ids {
		if _, known := sums[k.host]; !known {
			// No discovery summary among the inputs (observations from
			// elsewhere): the identified ports are all there is to go by.
			hosts[k.host] = scanners.Target{Addr: o.Target.Addr, Name: o.Target.Name}
		}
		if o.Status == scanners.Interrupted {
			badHost[k.host] = true // identification did not finish: no pass
		}
		if decided[k] {
			continue
		}
		sub := subject(o.Target.Proto, o.Target.Port)
		svc, ok := serviceOf(o)
		switch {
		case !ok && slices.Contains(dbPorts, o.Target.Port):
			badHost[k.host] = true
			out = append(out, checks.Undecided(info, o, sub))
		case ok && slices.Contains(dbNames, svc.Name):
			// Identified, but svc.dbauth has no answer for it (not planned,
			// or a database it does not speak): reachable is still a fail.
			badHost[k.host] = true
			f := checks.New(info, o.Target, sub).Decided(checks.Fail)
			f.At, f.Evidence = o.At, o.Evidence
			f.Detail = checks.T(describe(svc)+" に到達できます（認証の有無は未確認）",
				describe(svc)+" is reachable (authentication not tested)")
			out = append(out, f)
		}
	}
	for h, t := range hosts {
		if badHost[h] {
			continue
		}
		n := 0
		for k := range ids {
			if k.host == h {
				n++
			}
		}
		cov := coverage(sums[h], dbPorts)
		f := checks.New(info, t, "").Decided(checks.Pass)
		f.Detail = checks.T(fmt.Sprintf("識別した %d 個の公開ポートにデータベース・キャッシュはありません%s", n, cov.JA),
			noneOf(n, "a database or cache")+" "+cov.EN)
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b checks.Finding) int {
		return cmp.Or(strings.Compare(a.Target.String(), b.Target.String()), strings.Compare(a.Subject, b.Subject))
	})
	return out
}
