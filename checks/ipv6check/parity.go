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

// parity implements ipv6.parity (Art. 78-2-3): the IPv4 and IPv6
// addresses of one machine must expose the same TCP ports; a port open on
// some of its addresses but closed or filtered on others fails. Addresses
// are tied to one machine by evidence, which the finding names: a DNS
// name with both A and AAAA, the same link-layer address in the
// scanner's neighbour table (ARP and NDP on a shared link), or the same
// TLS certificate or SSH host key served on exactly one IPv4 and one IPv6
// address.
// Addresses that no evidence ties together get no finding.
type parity struct{}

func (parity) Info() checks.Info {
	return checks.Info{
		ID: "ipv6.parity", Articles: []string{"78-2-3"}, Needs: []string{scanners.ProbePortTCP, scanners.ProbeNetNeighbor, scanners.ProbeTLSScan, scanners.ProbeSvcSSHKey}, Severity: checks.Medium,
		Title: checks.T("IPv4 と IPv6 で公開ポートが異なる", "Open ports differ between IPv4 and IPv6"),
		Remediation: checks.T(
			"IPv4 と IPv6 のファイアウォール規則（iptables と ip6tables、nftables の `ip` と `ip6` テーブルなど）を揃え、意図したポートだけが両方で同じように公開されるようにしてください。",
			"Align the IPv4 and IPv6 firewall rules (iptables and ip6tables, nftables ip and ip6 tables, security groups) so the intended ports, and only those, are reachable on both families alike."),
	}
}

// addrScan is the TCP discovery of one address: its summary (Port 0) and
// the per-port results, kept apart so that a port missing from states is
// reported as "closed or filtered" rather than invented.
type addrScan struct {
	addr    netip.Addr
	name    string
	summary *scanners.Observation
	open    map[uint16]scanners.Observation
	states  map[uint16]string // closed/filtered when the sweeper reported them
}

// pairing is a union-find over addresses with the evidence of each union.
type pairing struct {
	parent map[netip.Addr]netip.Addr
	why    map[netip.Addr][]checks.Text // root → evidence
}

// find returns a's root, halving the path as it goes.
func (p *pairing) find(a netip.Addr) netip.Addr {
	for p.parent[a] != a {
		p.parent[a] = p.parent[p.parent[a]]
		a = p.parent[a]
	}
	return a
}

// tie joins the addresses that discovery scanned and records why.
func (p *pairing) tie(all []netip.Addr, why checks.Text) {
	var addrs []netip.Addr
	for _, a := range all {
		if _, ok := p.parent[a]; ok {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) < 2 {
		return
	}
	r := p.find(addrs[0])
	for _, a := range addrs[1:] {
		if b := p.find(a); b != r {
			p.parent[b] = r
			p.why[r] = append(p.why[r], p.why[b]...)
			delete(p.why, b)
		}
	}
	if !slices.Contains(p.why[r], why) {
		p.why[r] = append(p.why[r], why)
	}
}

// families counts the IPv4 and IPv6 addresses: a group is compared only
// when it has both, and a shared key ties only one of each.
func families(addrs []netip.Addr) (v4, v6 int) {
	for _, a := range addrs {
		if a.Is4() {
			v4++
		} else {
			v6++
		}
	}
	return
}

// Evaluate groups addresses into machines before comparing them (78-2-3:
// IPv4 and IPv6 coexisting without the same handling is the weakness).
// Two addresses that are not one machine would differ legitimately, so a
// pairing needs evidence and the evidence is named in every finding; an
// address that nothing ties is left out rather than guessed.
func (c parity) Evaluate(in *checks.Input) []checks.Finding {
	info := c.Info()
	scans := map[netip.Addr]*addrScan{}
	for _, o := range in.ByProbe(scanners.ProbePortTCP) {
		if !o.Target.Addr.IsValid() {
			continue
		}
		a := scans[o.Target.Addr]
		if a == nil {
			a = &addrScan{addr: o.Target.Addr, open: map[uint16]scanners.Observation{}, states: map[uint16]string{}}
			scans[o.Target.Addr] = a
		}
		if a.name == "" {
			a.name = o.Target.Name
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
	p := &pairing{parent: map[netip.Addr]netip.Addr{}, why: map[netip.Addr][]checks.Text{}}
	for a := range scans {
		p.parent[a] = a
	}
	byKey := func(kind string, key func(scanners.Observation) string) map[string][]netip.Addr {
		m := map[string][]netip.Addr{}
		for _, o := range in.ByProbe(kind) {
			if o.Status != scanners.OK || !o.Target.Addr.IsValid() {
				continue
			}
			if k := key(o); k != "" && !slices.Contains(m[k], o.Target.Addr) {
				m[k] = append(m[k], o.Target.Addr)
			}
		}
		return m
	}
	names := map[string][]netip.Addr{}
	for a, s := range scans {
		if s.name != "" {
			names[s.name] = append(names[s.name], a)
		}
	}
	for _, k := range sortedKeys(names) {
		p.tie(names[k], checks.T("DNS 名 "+k+"（A と AAAA）", "DNS name "+k+" (A and AAAA)"))
	}
	macs := byKey(scanners.ProbeNetNeighbor, func(o scanners.Observation) string {
		if n, ok := o.Data.(*scanners.Neighbor); ok {
			return n.MAC
		}
		return ""
	})
	for _, k := range sortedKeys(macs) {
		p.tie(macs[k], checks.T("リンク層アドレス "+k+"（ARP/NDP の近隣テーブル）", "link-layer address "+k+" (ARP/NDP neighbour table)"))
	}
	certs := byKey(scanners.ProbeTLSScan, func(o scanners.Observation) string {
		if s, ok := o.Data.(*scanners.TLSScan); ok && s.Certificate != nil && len(s.Certificate.Certs) > 0 {
			return s.Certificate.Certs[0].SHA256
		}
		return ""
	})
	hostkeys := byKey(scanners.ProbeSvcSSHKey, func(o scanners.Observation) string {
		if k, ok := o.Data.(*scanners.SSHHostKey); ok {
			return k.SHA256
		}
		return ""
	})
	for _, k := range sortedKeys(hostkeys) {
		// Cloned machines share host keys too: as with certificates, only
		// one address of each family is one machine.
		if v4, v6 := families(hostkeys[k]); v4 == 1 && v6 == 1 {
			p.tie(hostkeys[k], checks.T("SSH ホスト鍵 "+k, "SSH host key "+k))
		}
	}
	for _, k := range sortedKeys(certs) {
		// A certificate shared by many machines (a wildcard on a farm)
		// ties nothing: only one address of each family is one machine.
		if v4, v6 := families(certs[k]); v4 == 1 && v6 == 1 {
			p.tie(certs[k], checks.T("TLS 証明書 sha256:"+short(k), "TLS certificate sha256:"+short(k)))
		}
	}
	groups := map[netip.Addr][]*addrScan{}
	for a, s := range scans {
		r := p.find(a)
		groups[r] = append(groups[r], s)
	}
	roots := make([]netip.Addr, 0, len(groups))
	for r, g := range groups {
		slices.SortFunc(g, func(x, y *addrScan) int { return x.addr.Compare(y.addr) })
		var addrs []netip.Addr
		for _, s := range g {
			addrs = append(addrs, s.addr)
		}
		if v4, v6 := families(addrs); v4 > 0 && v6 > 0 {
			roots = append(roots, r)
		}
	}
	slices.SortFunc(roots, func(x, y netip.Addr) int { return groups[x][0].addr.Compare(groups[y][0].addr) })
	var out []checks.Finding
	for _, r := range roots {
		out = append(out, c.compare(info, groups[r], p.why[r])...)
	}
	return out
}

// compare checks one machine's addresses against each other.
func (c parity) compare(info checks.Info, scans []*addrScan, whyT []checks.Text) []checks.Finding {
	var why, whyJA []string
	for _, w := range whyT {
		why, whyJA = append(why, w.EN), append(whyJA, w.JA)
	}
	label, t := "", scanners.Target{Proto: scanners.TCP}
	for _, a := range scans {
		if a.name != "" {
			label, t.Name = a.name, a.name
			break
		}
	}
	if label == "" {
		for _, a := range scans {
			if a.addr.Is4() {
				t.Addr = a.addr
				break
			}
		}
		label = t.Addr.String()
	}
	var addrs []string
	for _, a := range scans {
		addrs = append(addrs, a.addr.String())
	}
	pairedBy := scanners.Evidence{Kind: "note", Summary: fmt.Sprintf("%s paired by %s", strings.Join(addrs, " and "), strings.Join(why, "; "))}
	for _, a := range scans {
		if a.summary == nil || a.summary.Status != scanners.OK {
			f := checks.New(info, t, "tcp").Decided(checks.Error)
			reason, reasonJA := "no discovery summary", "探索の要約がありません"
			if a.summary != nil {
				reason = string(a.summary.Status) + ": " + a.summary.Reason
				reasonJA = checks.StatusJA(a.summary.Status) + ": " + checks.Raw(a.summary.Reason)
			}
			f.Detail = checks.T(
				fmt.Sprintf("%s（%s）のポート探索が完了していないため比較できません: %s", label, a.addr, reasonJA),
				fmt.Sprintf("cannot compare %s: port discovery of %s did not complete: %s", label, a.addr, reason))
			f.Evidence = []scanners.Evidence{pairedBy}
			return []checks.Finding{f}
		}
	}
	var ports []uint16
	for _, a := range scans {
		for port := range a.open {
			if !slices.Contains(ports, port) {
				ports = append(ports, port)
			}
		}
	}
	slices.Sort(ports)
	var out []checks.Finding
	for _, port := range ports {
		var on, off, offJA []string
		ev := []scanners.Evidence{pairedBy}
		for _, a := range scans {
			if o, ok := a.open[port]; ok {
				on = append(on, a.addr.String())
				ev = append(ev, scanners.Evidence{Kind: "packet", Summary: fmt.Sprintf("%s tcp/%d open (%s)", a.addr, port, reasonOf(o))})
				continue
			}
			st := a.states[port]
			if st == "" {
				st = "closed or filtered"
			}
			off = append(off, a.addr.String()+": "+st)
			offJA = append(offJA, a.addr.String()+"（"+portStateJA(st)+"）")
			ev = append(ev, scanners.Evidence{Kind: "packet", Summary: fmt.Sprintf("%s tcp/%d %s", a.addr, port, st)})
		}
		if len(off) == 0 {
			continue
		}
		f := checks.New(info, t, fmt.Sprintf("tcp/%d", port)).Decided(checks.Fail)
		f.Detail = checks.T(
			fmt.Sprintf("%s の tcp/%d は %s で開いていますが、%s では開いていません（同一機器の根拠: %s）", label, port, strings.Join(on, ", "), strings.Join(offJA, "、"), strings.Join(whyJA, "; ")),
			fmt.Sprintf("tcp/%d of %s is open on %s but not on %s (one machine by: %s)", port, label, strings.Join(on, ", "), strings.Join(off, "; "), strings.Join(why, "; ")))
		f.Evidence = ev
		out = append(out, f)
	}
	if len(out) > 0 {
		return out
	}
	f := checks.New(info, t, "tcp").Decided(checks.Pass)
	f.Detail = checks.T(
		fmt.Sprintf("%s の全アドレス（%s）で公開ポートが一致しました: %v（同一機器の根拠: %s）", label, strings.Join(addrs, ", "), ports, strings.Join(whyJA, "; ")),
		fmt.Sprintf("the same TCP ports are open on every address of %s (%s): %v (one machine by: %s)", label, strings.Join(addrs, ", "), ports, strings.Join(why, "; ")))
	f.Evidence = []scanners.Evidence{pairedBy}
	for _, a := range scans {
		f.Evidence = append(f.Evidence, scanners.Evidence{Kind: "note", Summary: a.addr.String() + ": " + reasonOf(*a.summary)})
	}
	return []checks.Finding{f}
}

// short cuts a SHA-256 hex digest for the evidence line; 16 hex digits
// (64 bits) tell certificates apart in one scan.
func short(h string) string { return h[:min(16, len(h))] }

// sortedKeys makes the union order, and so the order of the evidence
// strings, independent of map iteration: reports must be reproducible.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// reasonOf is how discovery concluded a port state ("syn syn-ack").
func reasonOf(o scanners.Observation) string {
	if ps, ok := o.Data.(*scanners.PortState); ok {
		return strings.TrimSpace(ps.Method + " " + ps.Reason)
	}
	return ""
}

// portStateJA is a port state of discovery ("closed (rst)", "filtered
// (no-response)", or "closed or filtered" when the port was not reported)
// in Japanese; the reason stays in the evidence.
func portStateJA(st string) string {
	switch state, _, _ := strings.Cut(st, " ("); state {
	case "closed":
		return "閉じている"
	case "filtered":
		return "フィルタされている"
	case "closed or filtered":
		return "閉じているかフィルタされている"
	}
	return checks.Raw(st)
}
