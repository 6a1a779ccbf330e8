package webcheck

import (
	"net/netip"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(government{}) }

var _ checks.Check = government{}

// government implements domain.government (Art. 82-2, 82-4): the names of
// public web and mail hosts in scope, and the mail domains; fails when a
// published name is outside the policy's government suffixes (default
// go.jp).
type government struct{}

func (government) Info() checks.Info {
	return checks.Info{
		ID: "domain.government", Articles: []string{"82-2", "82-4"}, Needs: []string{scanners.ProbeHTTPSite, scanners.ProbeSMTPSession, scanners.ProbeMailDomain},
		Severity: checks.Medium,
		Title:    checks.T("政府ドメインの使用", "Government domain name"),
		Remediation: checks.T("公開するホスト名には政府機関のドメイン（go.jp 等）を使用してください。",
			"publish the service under the government domain (go.jp or the configured suffixes)"),
	}
}

func (c government) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	suffixes := []string{"go.jp"}
	if p := in.EffectivePolicy(); len(p.GovernmentSuffixes) > 0 {
		suffixes = p.GovernmentSuffixes
	}
	var names []string
	targets := map[string]scanners.Target{}
	kinds := map[string]string{}
	for _, src := range []struct{ probe, kind string }{
		{scanners.ProbeHTTPSite, "web host"}, {scanners.ProbeSMTPSession, "mail host"}, {scanners.ProbeMailDomain, "mail domain"},
	} {
		for _, o := range in.ByProbe(src.probe) {
			n := strings.TrimSuffix(strings.ToLower(o.Target.Name), ".")
			if n == "" {
				continue
			}
			if _, err := netip.ParseAddr(n); err == nil {
				continue
			}
			if _, dup := targets[n]; !dup {
				names = append(names, n)
				targets[n] = scanners.Target{Name: n}
				kinds[n] = src.kind
			}
		}
	}
	slices.Sort(names)
	var out []checks.Finding
	for _, n := range names {
		ok := slices.ContainsFunc(suffixes, func(s string) bool { return n == s || strings.HasSuffix(n, "."+s) })
		t := targets[n]
		f := checks.New(info, t, n)
		if ok {
			f = f.Decided(checks.Pass)
			f.Detail = checks.T(n+" は政府ドメイン（"+strings.Join(suffixes, ", ")+"）の下にあります。",
				n+" is under the government suffixes ("+strings.Join(suffixes, ", ")+")")
		} else {
			f = f.Decided(checks.Fail)
			f.Detail = checks.T(n+" は政府ドメイン（"+strings.Join(suffixes, ", ")+"）の外にあります。",
				n+" is outside the government suffixes ("+strings.Join(suffixes, ", ")+")")
		}
		f.Evidence = []scanners.Evidence{{Kind: "note", Summary: "published " + kinds[n] + " name " + n}}
		out = append(out, f)
	}
	return out
}
