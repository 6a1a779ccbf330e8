package ipv6check

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(globalExposure{}) }

var _ checks.Check = globalExposure{}

// globalExposure implements ipv6.global-exposure (Art. 78-2-1): the
// services reachable on global IPv6 addresses, as inventory (info); a port
// that the policy's service rules cover but do not allow fails.
type globalExposure struct{}

func (globalExposure) Info() checks.Info {
	return checks.Info{
		ID: "ipv6.global-exposure", Articles: []string{"78-2-1"}, Needs: []string{scanners.ProbePortTCP}, Severity: checks.Medium,
		Title: checks.T("グローバル IPv6 アドレスで到達できるサービス", "Services reachable on global IPv6 addresses"),
		Remediation: checks.T(
			"グローバル IPv6 アドレスで公開するサービスを必要なものに限り、ip6tables/nftables やセキュリティグループで IPv4 と同等以上に制限してください。",
			"Limit what global IPv6 addresses expose to the services that need to be reachable, and filter IPv6 (ip6tables/nftables, security groups) at least as strictly as IPv4."),
	}
}

// globalV6 is an IPv6 address reachable from beyond the site: global
// unicast without ULA (fc00::/7, which IsGlobalUnicast includes) and
// without IPv4-mapped addresses, which are IPv4 traffic. Documentation
// space (2001:db8::/32) counts as global, which the lab relies on.
func globalV6(a netip.Addr) bool {
	return a.Is6() && !a.Is4In6() && a.IsGlobalUnicast() && !a.IsPrivate()
}

// Evaluate lists per global IPv6 address what is reachable (78-2-1: the
// threat of direct reachability by global address), failing only where
// the policy has a rule for the host and it does not allow the port. An
// address whose discovery found nothing open passes with discovery's
// method and reason as evidence of what was tried.
func (c globalExposure) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	open := map[netip.Addr][]scanners.Observation{}
	summary := map[netip.Addr]scanners.Observation{}
	var addrs []netip.Addr
	for _, o := range in.ByProbe(scanners.ProbePortTCP) {
		a := o.Target.Addr
		if !globalV6(a) {
			continue
		}
		if _, seen := open[a]; !seen {
			if _, seen := summary[a]; !seen {
				addrs = append(addrs, a)
			}
		}
		ps, _ := o.Data.(*scanners.PortState)
		switch {
		case o.Target.Port == 0:
			summary[a] = o
		case o.Status == scanners.OK && ps != nil && ps.State == "open":
			open[a] = append(open[a], o)
		}
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	var out []checks.Finding
	for _, a := range addrs {
		os := open[a]
		slices.SortFunc(os, func(x, y scanners.Observation) int { return int(x.Target.Port) - int(y.Target.Port) })
		if len(os) == 0 {
			s, ok := summary[a]
			if !ok {
				continue
			}
			t := scanners.Target{Addr: a, Name: s.Target.Name}
			if s.Status != scanners.OK {
				out = append(out, checks.Undecided(info, s, "tcp"))
				continue
			}
			f := checks.New(info, t, "tcp").Decided(checks.Pass)
			f.Detail = checks.T(a.String()+" では TCP サービスに到達できませんでした", "no TCP service reachable on "+a.String())
			f.At, f.Evidence = s.At, []scanners.Evidence{{Kind: "note", Summary: reasonOf(s)}}
			out = append(out, f)
			continue
		}
		var ports []string
		var names []string
		if os[0].Target.Name != "" {
			names = []string{os[0].Target.Name}
		}
		for _, o := range os {
			ports = append(ports, fmt.Sprintf("tcp/%d", o.Target.Port))
			allowed, covered := in.EffectivePolicy().Allowed(a, names, "tcp", o.Target.Port, "")
			if covered && !allowed {
				f := checks.New(info, o.Target, fmt.Sprintf("tcp/%d", o.Target.Port)).Decided(checks.Fail)
				f.Detail = checks.T(
					fmt.Sprintf("グローバル IPv6 アドレス %s の tcp/%d は、ポリシーの `services` 規則で許可されていません", a, o.Target.Port),
					fmt.Sprintf("tcp/%d on global IPv6 address %s is not allowed by the policy's service rules", o.Target.Port, a))
				f.At, f.Evidence = o.At, o.Evidence
				out = append(out, f)
			}
		}
		t := scanners.Target{Addr: a, Name: os[0].Target.Name}
		f := checks.New(info, t, "inventory").Decided(checks.InfoS)
		f.Detail = checks.T(
			fmt.Sprintf("グローバル IPv6 アドレス %s で到達できるサービス: %s", a, strings.Join(ports, ", ")),
			fmt.Sprintf("services reachable on global IPv6 address %s: %s", a, strings.Join(ports, ", ")))
		f.At = os[0].At
		out = append(out, f)
	}
	return out
}
