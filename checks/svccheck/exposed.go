package svccheck

import (
	"fmt"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(exposed{}) }

var _ checks.Check = exposed{}

// exposed implements service.exposed (Art. 55-3, 55-4): a port open that
// the policy does not allow fails; without a policy every open port is
// info (inventory). A host no rule covers is inventory too, since the
// policy says nothing about it.
type exposed struct{}

func (exposed) Info() checks.Info {
	return checks.Info{
		ID: "service.exposed", Articles: []string{"55-3", "55-4"},
		Needs: []string{scanners.ProbePortTCP, scanners.ProbePortUDP, scanners.ProbeSvcIdent}, Severity: checks.Medium,
		Title: checks.T("許可されていないサービスの公開", "Service exposed that the policy does not allow"),
		Remediation: checks.T(
			"不要なサービスを停止するか、ファイアウォールで公開範囲を制限してください。必要なサービスであればポリシーの許可リストに追加してください。",
			"Stop the service or restrict it with a firewall; if it is needed, add it to the policy's allow-list."),
	}
}

// Evaluate makes one finding per open port (deduplicated: several
// discovery observations may report the same port). Rules that allow by
// service name need the identified name, so an unidentified port under
// such rules is error rather than a fail that may be wrong.
func (c exposed) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	pol := in.EffectivePolicy()
	ids := identified(in)
	seen := map[endpoint]bool{}
	var out []checks.Finding
	for _, o := range in.Obs {
		if o.Probe != scanners.ProbePortTCP && o.Probe != scanners.ProbePortUDP || o.Status != scanners.OK {
			continue
		}
		ps, ok := o.Data.(*scanners.PortState)
		// Port 0 is the host's discovery summary, not a port.
		if !ok || ps.Port == 0 || ps.State != "open" {
			continue
		}
		t := o.Target.Endpoint(ps.Proto, ps.Port)
		k := keyOf(t)
		if seen[k] {
			continue
		}
		seen[k] = true
		io, hasIdent := ids[k]
		svc, named := serviceOf(io)
		name := ""
		if named {
			name = svc.Name
		}
		sub := subject(ps.Proto, ps.Port)
		f := checks.New(info, t, sub)
		f.At = o.At
		f.Evidence = evidenceOf(o, io)
		what := sub
		if name != "" {
			what += " " + describe(svc)
		}
		var names []string
		if t.Name != "" {
			names = []string{t.Name}
		}
		if len(pol.Services) == 0 {
			f = f.Decided(checks.InfoS)
			f.Detail = checks.T("公開ポート: "+what+"（ポリシーに許可リストがないため棚卸しとして記録）",
				"open port: "+what+" (inventory: the policy has no service allow-list)")
			out = append(out, f)
			continue
		}
		allowed, covered := pol.Allowed(t.Addr, names, string(ps.Proto), ps.Port, name)
		if !allowed && named && svc.TLS && name != "" {
			// "https", "imaps": policies name TLS services with an s.
			allowed, _ = pol.Allowed(t.Addr, names, string(ps.Proto), ps.Port, name+"s")
		}
		switch {
		case !covered:
			f = f.Decided(checks.InfoS)
			f.Detail = checks.T("公開ポート: "+what+"（このホストを対象とするポリシー規則がありません）",
				"open port: "+what+" (no policy rule covers this host)")
		case allowed:
			f = f.Decided(checks.Pass)
			f.Detail = checks.T("公開ポート "+what+" はポリシーで許可されています", "open port "+what+" is allowed by the policy")
		case name == "" && namedRules(pol, t, names) && (!hasIdent || io.Status != scanners.OK):
			// The rules allow services by name and we do not know this one's.
			u := checks.Undecided(info, io, sub)
			if !hasIdent {
				u = checks.New(info, t, sub).Decided(checks.Error)
				u.Detail = checks.T("サービスを識別できず、サービス名で許可するポリシー規則と照合できません（svc.ident の結果なし）",
					"the service was not identified, so it cannot be matched against the policy's service-name rules (no svc.ident observation)")
			} else {
				u.Detail = checks.T(u.Detail.JA+"（サービス名で許可するポリシー規則と照合できません）",
					u.Detail.EN+" (cannot match the policy's service-name rules)")
			}
			u.Target, u.Evidence = t, f.Evidence
			out = append(out, u)
			continue
		default:
			f = f.Decided(checks.Fail)
			f.Detail = checks.T(fmt.Sprintf("ポリシーで許可されていないポート %s が公開されています", what),
				fmt.Sprintf("open port %s is not allowed by the policy", what))
		}
		out = append(out, f)
	}
	return out
}

// namedRules reports whether a rule covering the host allows by service name.
func namedRules(pol *checks.Policy, t scanners.Target, names []string) bool {
	for _, r := range pol.Services {
		for _, h := range r.Hosts {
			if !h.Match(t.Addr, names) {
				continue
			}
			for _, a := range r.Allow {
				if a.Service != "" {
					return true
				}
			}
		}
	}
	return false
}
