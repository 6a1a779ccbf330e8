// Package drift compares two scans: what appeared and went (hosts, ports,
// services, versions, certificates), which verdicts got worse or better,
// and which findings of a baseline a new scan fixed or did not test. Its
// events feed sweep alerts (webhook, JSONL, mail) and `shindan diff`.
package drift

import (
	"cmp"
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

type svcKey struct {
	host, proto string
	port        int
}

// Compare lists the changes from old to cur in a stable order: by kind
// order above, then host, port and check.
func Compare(old, cur *reports.Report, opt Options) *Diff {
	pol := opt.Policy
	if pol == nil {
		pol = checks.DefaultPolicy()
	}
	d := &Diff{OldScan: old.Scan.ID, NewScan: cur.Scan.ID, Changes: []Change{}}
	add := func(c Change) { d.Changes = append(d.Changes, c) }

	oldHosts, newHosts := hostSet(old), hostSet(cur)
	for h := range newHosts {
		if !oldHosts[h] {
			add(Change{Kind: NewHost, Host: h})
			if a, err := netip.ParseAddr(h); err == nil && a.Is6() && !a.Is4In6() {
				if seg, ok := ipv4OnlySibling(cur, h, pol); ok {
					add(Change{Kind: IPv6OnIPv4Only, Host: h, New: "IPv6 address of a host on " + seg})
				}
			}
		}
	}
	for h := range oldHosts {
		if !newHosts[h] {
			add(Change{Kind: GoneHost, Host: h})
		}
	}
	os, ns := services(old), services(cur)
	for k, n := range ns {
		o, had := os[k]
		switch {
		case !had:
			add(Change{Kind: NewPort, Host: k.host, Proto: k.proto, Port: k.port, New: describe(n)})
		case describe(o) != describe(n) && (n.Service != "" || n.Product != "" || n.Version != ""):
			add(Change{Kind: NewService, Host: k.host, Proto: k.proto, Port: k.port, Old: describe(o), New: describe(n)})
		}
	}
	for k, o := range os {
		// A port of a host the new scan did not see at all is not known
		// to be closed; the host's absence is reported instead.
		if _, still := ns[k]; !still && newHosts[k.host] {
			add(Change{Kind: PortClosed, Host: k.host, Proto: k.proto, Port: k.port, Old: describe(o)})
		}
	}
	oc, nc := certs(old), certs(cur)
	for t, n := range nc {
		if o, had := oc[t]; had && o != n {
			add(Change{Kind: CertChanged, Target: t, Host: hostOf(t), Old: o, New: n})
		}
	}

	// Verdicts compare per subject: a grouped report against an older
	// ungrouped one, and a waiver on one item hides no other.
	oldF, curF := reports.Flatten(old.Findings), reports.Flatten(cur.Findings)
	before := make(map[string]*reports.Finding, len(oldF))
	for i := range oldF {
		before[oldF[i].ID] = &oldF[i]
	}
	for i := range curF {
		f := &curF[i]
		o := before[f.ID]
		was := ""
		if o != nil {
			was = o.Status
		}
		rn, ro := rank(f.Status), -1
		if o != nil {
			ro = rank(o.Status)
		}
		if rn < 0 {
			continue
		}
		c := Change{Check: f.Check, Finding: f.ID, Target: f.Target, Subject: f.Subject, Host: f.Host, Port: f.Port, Proto: f.Proto,
			Old: was, New: f.Status, Severity: f.Severity, Waived: f.Waiver != nil, Title: f.Title}
		switch {
		case bad(f.Status) && rn > max(ro, 0):
			c.Kind = regressionKind(f)
			add(c)
		case ro > rn && ro > 0:
			c.Kind = Improvement
			add(c)
		}
	}
	order := map[Kind]int{}
	for i, k := range []Kind{NewHost, GoneHost, NewPort, PortClosed, NewService, CertChanged, IPv6OnIPv4Only, NewRA, CertExpiring, Regression, Improvement} {
		order[k] = i
	}
	slices.SortFunc(d.Changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(order[a.Kind], order[b.Kind]), strings.Compare(hostSortKey(a.Host), hostSortKey(b.Host)),
			cmp.Compare(a.Proto, b.Proto), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Check, b.Check), cmp.Compare(a.Target, b.Target), cmp.Compare(a.Finding, b.Finding))
	})
	return d
}

// regressionKind gives the specific drift kinds their own names; every
// other new fail or warn is a plain regression.
func regressionKind(f *reports.Finding) Kind {
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
func certExpiry(f *reports.Finding) bool {
	return f.ID == findingID(f.Check, f.Target, "certificate:expires-soon") ||
		f.ID == findingID(f.Check, f.Target, "certificate:expired")
}

func hostSet(r *reports.Report) map[string]bool {
	m := map[string]bool{}
	for _, a := range r.Assets {
		m[a.Host] = true
	}
	return m
}

func services(r *reports.Report) map[svcKey]reports.Service {
	m := map[svcKey]reports.Service{}
	for _, a := range r.Assets {
		for _, s := range a.Services {
			m[svcKey{a.Host, s.Proto, s.Port}] = s
		}
	}
	return m
}

func describe(s reports.Service) string {
	return strings.TrimSpace(strings.Join([]string{s.Service, s.Product, s.Version}, " "))
}

// certs maps each TLS endpoint to the leaf certificate line the TLS probe
// records in the evidence of tls.certificate.
func certs(r *reports.Report) map[string]string {
	m := map[string]string{}
	for _, f := range reports.Flatten(r.Findings) {
		if f.Check != "tls.certificate" {
			continue
		}
		for _, ev := range f.Evidence {
			for _, line := range strings.Split(ev.Data, "\n") {
				if c, ok := strings.CutPrefix(line, "certificate: "); ok {
					m[f.Target] = c
				}
			}
		}
	}
	return m
}

// ipv4OnlySibling reports whether an IPv6 asset shares a name with an
// IPv4 asset inside one of the policy's IPv4-only segments.
func ipv4OnlySibling(r *reports.Report, host string, pol *checks.Policy) (string, bool) {
	if len(pol.IPv4OnlySegments) == 0 {
		return "", false
	}
	var names []string
	for _, a := range r.Assets {
		if a.Host == host {
			names = a.Names
		}
	}
	for _, a := range r.Assets {
		ip, err := netip.ParseAddr(a.Host)
		if err != nil || !ip.Is4() {
			continue
		}
		shared := slices.ContainsFunc(a.Names, func(n string) bool { return slices.Contains(names, n) })
		if !shared {
			continue
		}
		for _, p := range pol.IPv4OnlySegments {
			if p.Contains(ip) {
				return p.String(), true
			}
		}
	}
	return "", false
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
