// Package drift compares two scans: what appeared and went (hosts, ports,
// services, versions, certificates), which verdicts got worse or better,
// and which findings of a baseline a new scan fixed or did not test. Its
// events feed sweep alerts (webhook, JSONL, mail) and `shindan diff`.
package drift

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"shindan/checks"
	"shindan/reports"
)

// Kind names a change between two scans.
type Kind string

// Kinds of change. The first eight are the sweep's drift events; the
// others appear in `shindan diff` only.
const (
	NewHost        Kind = "new-host"
	NewPort        Kind = "new-port"
	PortClosed     Kind = "port-closed"
	NewService     Kind = "new-service" // service name, product or version changed on a port
	IPv6OnIPv4Only Kind = "ipv6-on-ipv4-only"
	NewRA          Kind = "new-router-advertisement"
	CertExpiring   Kind = "cert-expiring"
	Regression     Kind = "regression"

	GoneHost    Kind = "gone-host"
	CertChanged Kind = "cert-changed"
	Improvement Kind = "improvement"
)

// Change is one difference between an old and a new scan.
type Change struct {
	Kind     Kind   `json:"kind"`
	Host     string `json:"host,omitempty"`
	Proto    string `json:"proto,omitempty"`
	Port     int    `json:"port,omitempty"`
	Old      string `json:"old,omitempty"` // what the old scan saw (service, status, certificate)
	New      string `json:"new,omitempty"`
	Check    string `json:"check,omitempty"`
	Finding  string `json:"finding,omitempty"` // finding ID
	Target   string `json:"target,omitempty"`
	Subject  string `json:"subject,omitempty"` // inside a grouped finding: the item
	Severity string `json:"severity,omitempty"`
	// Waived: the new finding is covered by a policy waiver, so it is
	// listed but neither alerts nor fails the diff.
	Waived bool          `json:"waived,omitempty"`
	Title  *reports.Text `json:"title,omitempty"`
}

// Diff is every change from Old to New.
type Diff struct {
	OldScan string   `json:"old_scan"`
	NewScan string   `json:"new_scan"`
	Changes []Change `json:"changes"`
}

// Options tune Compare.
type Options struct {
	// Policy supplies ipv4_only_segments for IPv6-on-IPv4-only events
	// learned from inventory; nil = the default policy.
	Policy *checks.Policy
	// Waive, when set, waives a new verdict that carries no waiver of its
	// own (diff --policy): called with the subject's ID, check and target.
	Waive func(id, check, target string) bool
}

func bad(s string) bool { return s == "fail" || s == "warn" }

// rank orders verdicts from good to bad for regressions: an error or a
// skip is no verdict and neither regresses nor improves.
func rank(s string) int {
	switch s {
	case "pass", "info":
		return 0
	case "warn":
		return 1
	case "fail":
		return 2
	}
	return -1
}

// Compare lists the changes from old to cur in a stable order: by kind
// order above, then host, port and check.
func Compare(old, cur *reports.Report, opt Options) *Diff {
	// Sides in memory yield no errors.
	d, _ := CompareSides(context.Background(), ReportSide(old), ReportSide(cur), opt)
	return d
}

// CompareSides is Compare over two sides read in key order: memory grows
// with the changes found, not with the scans.
func CompareSides(ctx context.Context, old, cur Side, opt Options) (*Diff, error) {
	pol := opt.Policy
	if pol == nil {
		pol = checks.DefaultPolicy()
	}
	d := &Diff{OldScan: old.ScanID(), NewScan: cur.ScanID(), Changes: []Change{}}
	add := func(c Change) { d.Changes = append(d.Changes, c) }

	// IPv6 hosts new in cur, and the IPv4 hosts of cur inside an
	// IPv4-only segment by name, paired once every host is read.
	type v6host struct {
		host  string
		names []string
	}
	var newV6 []v6host
	type v4site struct{ host, seg string }
	v4byName := map[string]v4site{}
	noteV4 := func(h *Host) {
		ip, err := netip.ParseAddr(h.Host)
		if err != nil || !ip.Is4() || len(h.Names) == 0 {
			return
		}
		for _, p := range pol.IPv4OnlySegments {
			if !p.Contains(ip) {
				continue
			}
			for _, n := range h.Names {
				// The first such host in report order (numeric) pairs.
				if was, ok := v4byName[n]; !ok || reports.CompareHosts(h.Host, was.host) < 0 {
					v4byName[n] = v4site{h.Host, p.String()}
				}
			}
			return
		}
	}
	err := mergeRuns(old.Hosts(ctx), cur.Hosts(ctx), func(h *Host) string { return h.Host }, func(o, n []Host) {
		for i := range n {
			noteV4(&n[i])
		}
		switch {
		case len(o) == 0:
			h := n[0]
			add(Change{Kind: NewHost, Host: h.Host})
			if a, err := netip.ParseAddr(h.Host); err == nil && a.Is6() && !a.Is4In6() && len(pol.IPv4OnlySegments) > 0 {
				newV6 = append(newV6, v6host{h.Host, h.Names})
			}
			for _, s := range servicesOf(n) {
				add(Change{Kind: NewPort, Host: h.Host, Proto: s.Proto, Port: s.Port, New: describe(s)})
			}
		case len(n) == 0:
			// A port of a host the new scan did not see at all is not
			// known to be closed; the host's absence is reported instead.
			add(Change{Kind: GoneHost, Host: o[0].Host})
		default:
			compareServices(o[0].Host, servicesOf(o), servicesOf(n), add)
		}
	})
	if err != nil {
		return nil, err
	}
	for _, h := range newV6 {
		best := v4site{}
		for _, name := range h.names {
			if s, ok := v4byName[name]; ok && (best.host == "" || reports.CompareHosts(s.host, best.host) < 0) {
				best = s
			}
		}
		if best.host != "" {
			add(Change{Kind: IPv6OnIPv4Only, Host: h.host, New: "IPv6 address of a host on " + best.seg})
		}
	}
	err = mergeRuns(old.Certs(ctx), cur.Certs(ctx), func(c *Cert) string { return c.Target }, func(o, n []Cert) {
		if len(o) > 0 && len(n) > 0 {
			if was, now := o[len(o)-1].Line, n[len(n)-1].Line; was != now {
				t := n[0].Target
				add(Change{Kind: CertChanged, Target: t, Host: hostOf(t), Old: was, New: now})
			}
		}
	})
	if err != nil {
		return nil, err
	}
	// Verdicts compare per subject: a grouped report against an older
	// ungrouped one, and a waiver on one item hides no other.
	err = mergeRuns(old.Verdicts(ctx), cur.Verdicts(ctx), func(v *Verdict) string { return v.ID }, func(o, n []Verdict) {
		var before *Verdict
		if len(o) > 0 {
			before = &o[len(o)-1]
		}
		for i := range n {
			if c, ok := verdictChange(before, &n[i], opt.Waive); ok {
				add(c)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	order := map[Kind]int{}
	for i, k := range []Kind{NewHost, GoneHost, NewPort, PortClosed, NewService, CertChanged, IPv6OnIPv4Only, NewRA, CertExpiring, Regression, Improvement} {
		order[k] = i
	}
	slices.SortFunc(d.Changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), strings.Compare(hostSortKey(a.Host), hostSortKey(b.Host)),
			cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Target, b.Target), cmp.Compare(a.Finding, b.Finding))
	})
	return d, nil
}

// servicesOf joins the services of a run of one host's entries, sorted,
// a later entry's port replacing an earlier one's.
func servicesOf(hs []Host) []reports.Service {
	if len(hs) == 1 {
		return hs[0].Services
	}
	var all []reports.Service
	for _, h := range hs {
		all = append(all, h.Services...)
	}
	return uniqueServices(all)
}

// compareServices merges two sorted service lists of a host seen by both
// scans.
func compareServices(host string, os, ns []reports.Service, add func(Change)) {
	i, j := 0, 0
	for i < len(os) || j < len(ns) {
		var c int
		switch {
		case i == len(os):
			c = 1
		case j == len(ns):
			c = -1
		default:
			c = cmp.Or(cmp.Compare(os[i].Proto, ns[j].Proto), cmp.Compare(os[i].Port, ns[j].Port))
		}
		switch {
		case c < 0:
			add(Change{Kind: PortClosed, Host: host, Proto: os[i].Proto, Port: os[i].Port, Old: describe(os[i])})
			i++
		case c > 0:
			add(Change{Kind: NewPort, Host: host, Proto: ns[j].Proto, Port: ns[j].Port, New: describe(ns[j])})
			j++
		default:
			o, n := os[i], ns[j]
			if describe(o) != describe(n) && (n.Service != "" || n.Product != "" || n.Version != "") {
				add(Change{Kind: NewService, Host: host, Proto: n.Proto, Port: n.Port, Old: describe(o), New: describe(n)})
			}
			i++
			j++
		}
	}
}

// verdictChange compares a subject's verdict with its earlier one (nil:
// the old scan did not report it).
func verdictChange(o, f *Verdict, waive func(id, check, target string) bool) (Change, bool) {
	rn, ro := rank(f.Status), -1
	was := ""
	if o != nil {
		was, ro = o.Status, rank(o.Status)
	}
	if rn < 0 {
		return Change{}, false
	}
	waived := f.Waived || (waive != nil && waive(f.ID, f.Check, f.Target))
	c := Change{Check: f.Check, Finding: f.ID, Target: f.Target, Subject: f.Subject, Host: f.Host, Port: f.Port, Proto: f.Proto,
		Old: was, New: f.Status, Severity: f.Severity, Waived: waived, Title: f.Title}
	switch {
	case bad(f.Status) && rn > max(ro, 0):
		c.Kind = regressionKind(f)
		return c, true
	case ro > rn && ro > 0:
		c.Kind = Improvement
		return c, true
	}
	return Change{}, false
}

// regressionKind gives the specific drift kinds their own names; every
// other new fail or warn is a plain regression.
func regressionKind(f *Verdict) Kind {
	switch f.Check {
	case "ipv6.unintended", "ipv6.transition":
		return IPv6OnIPv4Only
	case "ipv6.rogue-ra":
		return NewRA
	case "tls.certificate":
		if certExpiry(f) {
			return CertExpiring
		}
	}
	return Regression
}

// certExpiry tells the expiry verdicts of tls.certificate (expired, or
// within the policy's cert_expiry_days) from its other failures: their
// finding IDs are those of the subjects tls.certificate gives them.
func certExpiry(f *Verdict) bool {
	return f.ID == findingID(f.Check, f.Target, "certificate:expires-soon") ||
		f.ID == findingID(f.Check, f.Target, "certificate:expired")
}

func describe(s reports.Service) string {
	return strings.TrimSpace(strings.Join([]string{s.Service, s.Product, s.Version}, " "))
}

func hostOf(target string) string {
	if ap, err := netip.ParseAddrPort(target); err == nil {
		return ap.Addr().String()
	}
	if h, _, ok := strings.Cut(target, ":"); ok && !strings.Contains(target, "[") && strings.Count(target, ":") == 1 {
		return h
	}
	return target
}

func hostSortKey(h string) string {
	if a, err := netip.ParseAddr(h); err == nil {
		b := a.As16()
		return fmt.Sprintf("%d:%x", map[bool]int{true: 4, false: 6}[a.Is4()], b)
	}
	return "n:" + h
}

func findingID(check, target, subject string) string {
	return reports.FindingID(check, target, subject)
}
