package ipv6check

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/scanners"
)

func init() { checks.Register(parity{}) }

var _ checks.Check = parity{}

// parity implements ipv6.parity (Art. 78-2-3): for a host name with both
// A and AAAA addresses, the same port discovery ran on every address; a
// port open on some addresses but closed or filtered on others fails.
// Hosts scanned by address alone (no name ties the families together)
// get no finding.
type parity struct{}

func (parity) Info() checks.Info {
	return checks.Info{
		ID: "ipv6.parity", Articles: []string{"78-2-3"}, Needs: []string{portTCP}, Severity: checks.Medium,
		Title: checks.T("IPv4 と IPv6 で公開ポートが異なる", "Open ports differ between IPv4 and IPv6"),
		Remediation: checks.T(
			"IPv4 と IPv6 のファイアウォール規則（iptables と ip6tables、nftables の ip と ip6 テーブルなど）を揃え、意図したポートだけが両方で同じように公開されるようにしてください。",
			"Align the IPv4 and IPv6 firewall rules (iptables and ip6tables, nftables ip and ip6 tables, security groups) so the intended ports, and only those, are reachable on both families alike."),
	}
}

type addrScan struct {
	addr    netip.Addr
	summary *scanners.Observation
	open    map[uint16]scanners.Observation
	states  map[uint16]string // closed/filtered when the sweeper reported them
}

func (c parity) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	byName := map[string]map[netip.Addr]*addrScan{}
	var names []string
	for _, o := range in.ByProbe(portTCP) {
		if o.Target.Name == "" || !o.Target.Addr.IsValid() {
			continue
		}
		m := byName[o.Target.Name]
		if m == nil {
			m = map[netip.Addr]*addrScan{}
			byName[o.Target.Name] = m
			names = append(names, o.Target.Name)
		}
		a := m[o.Target.Addr]
		if a == nil {
			a = &addrScan{addr: o.Target.Addr, open: map[uint16]scanners.Observation{}, states: map[uint16]string{}}
			m[o.Target.Addr] = a
		}
		ps, _ := o.Data.(*scanners.PortState)
		switch {
		case o.Target.Port == 0:
			a.summary = &o
		case o.Status == scanners.OK && ps != nil && ps.State == "open":
			a.open[o.Target.Port] = o
		case ps != nil:
			a.states[o.Target.Port] = ps.State + " (" + ps.Reason + ")"
		}
	}
	slices.Sort(names)
	var out []checks.Finding
	for _, name := range names {
		var scans []*addrScan
		var has4, has6 bool
		for _, a := range byName[name] {
			scans = append(scans, a)
			has4 = has4 || a.addr.Is4()
			has6 = has6 || a.addr.Is6()
		}
		if !has4 || !has6 {
			continue
		}
		slices.SortFunc(scans, func(x, y *addrScan) int { return x.addr.Compare(y.addr) })
		t := scanners.Target{Name: name, Proto: scanners.TCP}
		bad := false
		for _, a := range scans {
			if a.summary == nil || a.summary.Status != scanners.OK {
				f := checks.New(info, t, "tcp").Decided(checks.Error)
				why := "no discovery summary"
				if a.summary != nil {
					why = string(a.summary.Status) + ": " + a.summary.Reason
				}
				f.Detail = checks.T(
					fmt.Sprintf("%s（%s）のポート探索が完了していないため比較できません: %s", name, a.addr, why),
					fmt.Sprintf("cannot compare %s: port discovery of %s did not complete: %s", name, a.addr, why))
				out = append(out, f)
				bad = true
				break
			}
		}
		if bad {
			continue
		}
		var ports []uint16
		for _, a := range scans {
			for p := range a.open {
				if !slices.Contains(ports, p) {
					ports = append(ports, p)
				}
			}
		}
		slices.Sort(ports)
		differ := false
		for _, p := range ports {
			var on, off []string
			var ev []scanners.Evidence
			for _, a := range scans {
				if o, ok := a.open[p]; ok {
					on = append(on, a.addr.String())
					ev = append(ev, scanners.Evidence{Kind: "packet", Summary: fmt.Sprintf("%s tcp/%d open (%s)", a.addr, p, reasonOf(o))})
				} else {
					st := a.states[p]
					if st == "" {
						st = "closed or filtered"
					}
					off = append(off, a.addr.String()+": "+st)
					ev = append(ev, scanners.Evidence{Kind: "packet", Summary: fmt.Sprintf("%s tcp/%d %s", a.addr, p, st)})
				}
			}
			if len(off) == 0 {
				continue
			}
			differ = true
			f := checks.New(info, t, fmt.Sprintf("tcp/%d", p)).Decided(checks.Fail)
			f.Detail = checks.T(
				fmt.Sprintf("%s の tcp/%d は %s で開いていますが、%s では開いていません", name, p, strings.Join(on, ", "), strings.Join(off, "; ")),
				fmt.Sprintf("tcp/%d of %s is open on %s but not on %s", p, name, strings.Join(on, ", "), strings.Join(off, "; ")))
			f.Evidence = ev
			out = append(out, f)
		}
		if !differ {
			var addrs []string
			for _, a := range scans {
				addrs = append(addrs, a.addr.String())
			}
			f := checks.New(info, t, "tcp").Decided(checks.Pass)
			f.Detail = checks.T(
				fmt.Sprintf("%s の全アドレス（%s）で公開ポートが一致しました: %v", name, strings.Join(addrs, ", "), ports),
				fmt.Sprintf("the same TCP ports are open on every address of %s (%s): %v", name, strings.Join(addrs, ", "), ports))
			for _, a := range scans {
				f.Evidence = append(f.Evidence, scanners.Evidence{Kind: "note", Summary: a.addr.String() + ": " + reasonOf(*a.summary)})
			}
			out = append(out, f)
		}
	}
	return out
}

func reasonOf(o scanners.Observation) string {
	if ps, ok := o.Data.(*scanners.PortState); ok {
		return strings.TrimSpace(ps.Method + " " + ps.Reason)
	}
	return ""
}
